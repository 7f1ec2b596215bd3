"""A generic signed webhook for any integrator (Standard Webhooks).

Each delivery is one `POST` to the connector's URL with the body
`{"type": <event type>, "timestamp": <ISO-8601 UTC>, "data": <payload>}` and
the `webhook-id` / `webhook-timestamp` / `webhook-signature` headers. The id
(`dlv_<delivery id>`) stays the same across retries so receivers deduplicate
on it; each attempt is signed afresh. Payloads per event type: docs/sync.md.
"""
from __future__ import annotations

import json

from miniapp_api import clock

from .. import standard_webhooks
from ..rotation import secrets_in_force
from .base import ConnectorClient, ItemResult, OutgoingItem, RemoteRefused


class WebhookClient(ConnectorClient):
    kind = "webhook"
    supported_events = ("customer.upserted", "customer.merged", "customer.erased", "form.submitted",
                        "order.status_changed")
    default_events = ("customer.upserted", "customer.merged", "customer.erased", "form.submitted")
    required_credentials = ("secret",)
    inbound_secret_credential = "secret"
    disables_when_failing = True

    def _post(self, msg_id: str, event_type: str, data: dict):
        now = clock.now()
        body = json.dumps({"type": event_type, "timestamp": clock.iso_utc(now), "data": data},
                          ensure_ascii=False, separators=(",", ":")).encode()
        headers = standard_webhooks.signed_headers(secrets_in_force(self.settings.credentials, "secret", now), msg_id,
                                                   int(now.timestamp()), body)
        headers["Content-Type"] = "application/json"
        return self.http.request("POST", "", data=body, headers=headers)

    def send(self, item: OutgoingItem) -> ItemResult:
        return self.result_from_answer(item.delivery_id, self._post(item.idempotency_key, item.event_type,
                                                                    item.payload))

    def check(self) -> str:
        answer = self._post(f"test_{int(clock.now().timestamp())}", "webhook.test", {"connector": self.settings.name})
        if answer.classification != "ok":
            raise RemoteRefused(answer)
        return f"{self.http.base_url} accepted a signed webhook.test (HTTP {answer.status})"


Client = WebhookClient
