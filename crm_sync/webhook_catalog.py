"""What a webhook endpoint receives, per event type, as the OpenAPI 3.1 `webhooks` section of `/openapi.json`.

Integrators generate receivers and validators from that document, so each event's `data` is written here as the
JSON Schema it is (OpenAPI 3.1 schemas are JSON Schema 2020-12), with an example. The tests deliver every event
through the webhook connector to a receiver and validate what arrived against these schemas: a payload that
changes without its description changing fails there. Payload builders: `services/customers/snapshots.py`
(customer.upserted), `profiles.merge_profiles` (customer.merged), `privacy/erasure.py` (customer.erased),
`forms/capture.submission_event` (form.submitted), `orders/records.record_order` (order.status_changed).
"""
from __future__ import annotations

from .connectors.webhook import WebhookClient

STRING, TIME = {"type": "string"}, {"type": "string", "format": "date-time"}


def _nullable(schema: dict) -> dict:
    return {**schema, "type": [schema["type"], "null"]}


def _object(properties: dict, *, optional: tuple = ()) -> dict:
    return {"type": "object", "properties": properties,
            "required": [name for name in properties if name not in optional]}


CONSENT = _object({"granted": {"type": "boolean"}, "version": _nullable(STRING), "recorded_at": TIME})
SNAPSHOT = _object({
    "ref": {**STRING, "description": "Our customer id (`cus_…`): the aggregate id of every customer event"},
    "full_name": _nullable(STRING), "zalo_display_name": _nullable(STRING), "avatar_url": _nullable(STRING),
    "phone": {**_nullable(STRING), "description": "The first of `phones` (verified first), E.164"},
    "phones": {"type": "array", "items": _object({"e164": STRING, "verified": {
        "type": "boolean", "description": "Shared through Zalo's own phone permission (not only typed)"}})},
    "email": _nullable(STRING), "province": _nullable(STRING), "address": _nullable(STRING),
    "attributes": {"type": "object", "description": "The shop's own fields (form answers mapped to the profile)"},
    "zalo": _object({"app_user_id": _nullable(STRING), "oa_user_id": _nullable(STRING)}),
    "crm_ids": {"type": "object", "additionalProperties": STRING,
                "description": "Connector name → the customer id that CRM gave this person (linked by the initial "
                               "sync or by its orders)"},
    "consents": {"type": "object", "additionalProperties": CONSENT,
                 "description": "Purpose (e.g. `marketing`) → the consent in force"},
    "pipeline_status": _nullable(STRING), "source": _nullable(STRING), "created_at": TIME, "updated_at": TIME,
})
ORDER = _object({"external_id": STRING, "status": STRING, "total_vnd": {"type": "integer"},
                 "items": {"type": "array", "items": {"type": "object"}, "description": "As the CRM sent them"},
                 "updated_at": TIME})
EVENTS = {
    "customer.upserted": (
        "A customer profile was created or changed: the whole profile (later snapshots supersede earlier ones).",
        SNAPSHOT,
        {"ref": "cus_8kQ2xV", "full_name": "Nguyễn Thị Lan", "zalo_display_name": "Lan Nguyễn", "avatar_url": None,
         "phone": "+84901234567", "phones": [{"e164": "+84901234567", "verified": True}],
         "email": "lan@example.vn", "province": "Hà Nội", "address": None, "attributes": {"size": "M"},
         "zalo": {"app_user_id": "3368637342326461234", "oa_user_id": "8110447591278311234"},
         "crm_ids": {"kiotviet": "1042"},
         "consents": {"marketing": {"granted": True, "version": "1", "recorded_at": "2026-12-01T02:15:00Z"}},
         "pipeline_status": "new", "source": "miniapp_form", "created_at": "2026-12-01T02:15:00Z",
         "updated_at": "2026-12-01T02:15:00Z"}),
    "customer.merged": (
        "Two profiles were found to be one person: `merged_ref` now lives on as `survivor_ref`.",
        _object({"survivor_ref": STRING, "merged_ref": STRING, "reason": {
            **_nullable(STRING),
            "description": "Which kind of identity matched and where it came from, never its value"}}),
        {"survivor_ref": "cus_8kQ2xV", "merged_ref": "cus_3ZpL0a", "reason": "same phone via form"}),
    "customer.erased": (
        "The customer exercised the right to erasure: delete or anonymise `ref` and every `merged_refs`. "
        "Carries no personal data.",
        _object({"ref": STRING, "merged_refs": {"type": "array", "items": STRING}, "erased_at": TIME}),
        {"ref": "cus_8kQ2xV", "merged_refs": ["cus_3ZpL0a"], "erased_at": "2026-12-02T09:00:00Z"}),
    "form.submitted": (
        "A customer submitted a Mini App form: the answers as the form's field names and values.",
        _object({"submission_ref": STRING, "customer_ref": STRING, "form": {**STRING, "description": "Its slug"},
                 "form_version": {"type": "integer"}, "values": {"type": "object"}, "submitted_at": TIME}),
        {"submission_ref": "sub_Q1w2E3", "customer_ref": "cus_8kQ2xV", "form": "lien-he", "form_version": 3,
         "values": {"full_name": "Nguyễn Thị Lan", "phone": "+84901234567", "interest": ["vay"]},
         "submitted_at": "2026-12-01T02:15:00Z"}),
    "order.status_changed": (
        "An order from a CRM was recorded or took a new status.",
        _object({"customer_ref": _nullable(STRING), "connector": {**STRING, "description": "The CRM it came from"},
                 "order": ORDER, "old_status": _nullable(STRING), "new_status": STRING, "changed_at": TIME,
                 "customer_notified": {**STRING, "description": (
                     "What became of the status message to the customer: `queued` (OA message), `zns_queued`, or "
                     "why none went: `no_template`, `no_customer`, `phone_unverified`, `no_consent`, "
                     "`window_closed`, … (docs/sync.md)")}}),
        {"customer_ref": "cus_8kQ2xV", "connector": "kiotviet", "order": {
            "external_id": "HD000123", "status": "delivered", "total_vnd": 1250000,
            "items": [{"sku": "VAY-DO", "qty": 1}], "updated_at": "2026-12-02T08:00:00Z"},
         "old_status": "shipping", "new_status": "delivered", "changed_at": "2026-12-02T08:00:00Z",
         "customer_notified": "queued"}),
}
HEADERS = {
    "webhook-id": "The delivery's id (`dlv_…`), the same on every retry: deduplicate on it",
    "webhook-timestamp": "Seconds since the epoch when this attempt was signed",
    "webhook-signature": "`v1,<base64 HMAC-SHA256 of \"{id}.{timestamp}.{body}\">`, space-separated when several "
                         "secrets sign (a rotation); the key is the base64 after `whsec_` in the secret",
}


def envelope(event_type: str) -> dict:
    """The body's JSON Schema: `{type, timestamp, data}` with this event's `data`."""
    _, data, _ = EVENTS[event_type]
    return {"type": "object", "required": ["type", "timestamp", "data"], "properties": {
        "type": {"const": event_type}, "timestamp": TIME, "data": data}}


def openapi_webhooks() -> dict:
    """One `post` per event the webhook connector can send; `default: true` marks those it subscribes to unasked."""
    webhooks = {}
    for event_type in WebhookClient.supported_events:
        summary, _, example = EVENTS[event_type]
        webhooks[event_type] = {"post": {
            "summary": event_type, "description": summary, "tags": ["Webhooks (outgoing)"],
            "x-default-subscription": event_type in WebhookClient.default_events,
            "parameters": [{"name": name, "in": "header", "required": True, "description": text,
                            "schema": {"type": "string"}} for name, text in HEADERS.items()],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": envelope(event_type),
                "example": {"type": event_type, "timestamp": "2026-12-02T08:00:01Z", "data": example}}}},
            "responses": {"2XX": {"description": "Received: any 2xx acknowledges the delivery"},
                          "default": {"description": "Anything else (or no answer within the connector's read "
                                                     "timeout) is retried on the connector's schedule, then "
                                                     "dead-lettered (docs/sync.md)"}},
        }}
    return webhooks
