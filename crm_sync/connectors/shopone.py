"""ShopOne: the REST contract in docs/connectors/shopone.md (the sandbox implements it).

Customers go out as upserts keyed by our stable ref (`PUT /customers/{ref}`,
or `POST /customers/batch` for up to 100), form submissions as
`POST /customers/{ref}/submissions`; every write carries `Idempotency-Key`.
Orders come back from `GET /orders`, paged by the keyset (updated_at, id). The shop's customers are listed
(`GET /customers`) for the initial sync; a profile linked to one of them sends its ShopOne `id` in the body, so
ShopOne files our ref on that record instead of making another.
Field names follow `field_mapping` (remote field → dotted path in our
snapshot), so a shop can align them with the vendor's real fields; phones are
written in the local `0…` form Vietnamese POS systems use.
"""
from __future__ import annotations

import datetime as dt
import json

from miniapp_api.clock import iso_utc

from .base import (ConnectorClient, CustomerPage, ItemResult, NotSupported, OrderPage, OrderPosition, OutgoingItem,
                   RemoteCustomer, RemoteRefused, parse_order)
from .http import HttpAnswer
from .mapping import local_phone, mapped_body, remote_field

DEFAULT_MAPPING = {
    "name": "full_name",
    "phone": "phone",
    "email": "email",
    "province": "province",
    "address": "address",
    "zalo_name": "zalo_display_name",
    "zalo_user_id": "zalo.oa_user_id",
    "marketing_consent": "consents.marketing.granted",
}
CUSTOMER = "customer.upserted"
SUBMISSION = "form.submitted"


class ShopOneClient(ConnectorClient):
    kind = "shopone"
    supported_events = (CUSTOMER, SUBMISSION)
    default_events = (CUSTOMER, SUBMISSION)
    required_credentials = ("api_key",)
    batchable_events = frozenset({CUSTOMER})
    max_batch = 100
    can_pull_orders = True
    can_pull_customers = True
    inbound_secret_credential = "webhook_secret"

    def _headers(self, item: OutgoingItem) -> dict:
        return {"Authorization": f"Bearer {self.settings.credentials['api_key']}",
                "Idempotency-Key": item.idempotency_key}

    def customer_body(self, snapshot: dict) -> dict:
        body = mapped_body(snapshot, self.settings.field_mapping or DEFAULT_MAPPING)
        linked = self.crm_id(snapshot)
        return {**body, "id": linked} if linked else body

    def pull_customers(self, cursor: str | None, limit: int) -> CustomerPage:
        answer = self.http.request("GET", "/customers", params={"cursor": cursor or "0", "limit": min(limit, 100)},
                                   headers={"Authorization": f"Bearer {self.settings.credentials['api_key']}"})
        if answer.classification != "ok":
            raise RemoteRefused(answer)
        body, mapping = answer.json(), self.settings.field_mapping or DEFAULT_MAPPING
        names = {ours: remote_field(mapping, ours) for ours in ("full_name", "phone", "email")}
        customers = [RemoteCustomer(crm_id=str(raw["id"]), ref=raw.get("ref"),
                                    **{ours: raw.get(remote) if remote else None for ours, remote in names.items()})
                     for raw in body.get("data", [])]
        return CustomerPage(customers, body.get("next_cursor"), body.get("total"))

    def send(self, item: OutgoingItem) -> ItemResult:
        if item.event_type == CUSTOMER:
            answer = self.http.request("PUT", f"/customers/{item.customer_ref}", headers=self._headers(item),
                                       json_body=self.customer_body(item.payload))
        elif item.event_type == SUBMISSION:
            values = {k: local_phone(v) if "phone" in k else v for k, v in item.payload["values"].items()}
            answer = self.http.request(
                "POST", f"/customers/{item.customer_ref}/submissions", headers=self._headers(item),
                json_body={"submission_ref": item.payload["submission_ref"], "form": item.payload["form"],
                      "values": values, "submitted_at": item.payload["submitted_at"]})
        else:
            raise NotSupported(f"shopone does not take {item.event_type}")
        return self.result_from_answer(item.delivery_id, answer)

    def send_batch(self, items: list[OutgoingItem]) -> list[ItemResult]:
        body = {"items": [{"ref": i.customer_ref, "idempotency_key": i.idempotency_key,
                           "customer": self.customer_body(i.payload)} for i in items]}
        answer = self.http.request("POST", "/customers/batch", json_body=body, headers={
            "Authorization": f"Bearer {self.settings.credentials['api_key']}"})
        if answer.classification != "ok":
            return [self.result_from_answer(i.delivery_id, answer) for i in items]
        by_key = {r.get("idempotency_key"): r for r in answer.json().get("results", [])}
        results = []
        for item in items:
            entry = by_key.get(item.idempotency_key)
            if entry is None:  # the remote skipped it: unknown outcome, the key makes a retry safe
                entry = {"status": 503, "error": "missing from batch results"}
            item_answer = HttpAnswer(int(entry.get("status", 500)), json.dumps(entry, ensure_ascii=False), {}, None)
            results.append(self.result_from_answer(item.delivery_id, item_answer))
        return results

    def pull_orders(self, position: OrderPosition, limit: int) -> OrderPage:
        params = {"limit": limit, "updated_after": iso_utc(position.updated_at or dt.datetime(1970, 1, 1,
                                                                                           tzinfo=dt.timezone.utc))}
        if position.external_id is not None:
            params["cursor"] = position.external_id
        answer = self.http.request("GET", "/orders", params=params, headers={
            "Authorization": f"Bearer {self.settings.credentials['api_key']}"})
        if answer.classification != "ok":
            raise RemoteRefused(answer)
        body = answer.json()
        return OrderPage([parse_order(raw) for raw in body.get("data", [])], bool(body.get("has_more")))

    def check(self) -> str:
        answer = self.http.request("GET", "/orders", params={"limit": 1}, headers={
            "Authorization": f"Bearer {self.settings.credentials['api_key']}"})
        if answer.classification != "ok":
            raise RemoteRefused(answer)
        return f"ShopOne at {self.http.base_url} answered HTTP {answer.status} with our key"


Client = ShopOneClient
