"""Nhanh.vn, the sales platform many Vietnamese online shops run (docs/connectors/nhanh.md; its Open API v2.0
documentation: https://apidocs.nhanh.vn/v2).

- **Calls**: every one a `POST` to `https://pos.open.nhanh.vn/api/...` with the form fields `version=2.0`,
  `appId`, `businessId`, `accessToken` and `data` (the request as a JSON string). Nhanh answers HTTP 200 with
  `{"code": 1, "data": …}`, or `{"code": 0, "errorCode", "messages"}`: the HTTP status alone says nothing.
- **Customers**: `/api/customer/add` takes up to 50 customers and keys them by `mobile`: a customer Nhanh holds is
  updated, one it does not is added. So a retry after a lost answer updates what the first call made; no
  idempotency key and no look-up are needed, and a batch is one call. Nhanh cannot hold a customer without a
  mobile: a profile with none we may send is not sent (reported sent, with why, so it does not pile up as a dead
  letter).
- **Which mobile**: Nhanh writes onto whichever of its customers holds the mobile we send, so we send only a phone
  Zalo verified for this person, or, for a profile linked to a Nhanh customer, the phone that record came with.
  A phone someone only typed would overwrite another person's Nhanh record: such a profile is not sent.
- **Errors**: `ERR_429` (too many calls; `data.lockedSeconds`) is retried after that long; an invalid or expired
  access token pauses the connector (auth); any other `code: 0` is a permanent refusal kept with the dead letter.
- **Customers listed** for the initial sync: `/api/customer/search` by `page` (50 a page, `totalPages`).
Phones go out in the local `0…` form; fields follow `field_mapping`.
"""
from __future__ import annotations

import json

from .base import (ConnectorClient, CustomerPage, ItemResult, NotSupported, OutgoingItem, Outcome, RemoteCustomer,
                   RemoteRefused)
from .http import HttpAnswer
from .mapping import mapped_body, remote_field

CUSTOMER = "customer.upserted"
DEFAULT_MAPPING = {"name": "full_name", "mobile": "phone", "email": "email", "address": "address"}
PAGE = 50
AUTH_ERRORS = {"ERR_INVALID_ACCESS_TOKEN", "ERR_INVALID_APP_ID", "ERR_INVALID_BUSINESS_ID", "ERR_403",
               "ERR_PAGE_403"}


class NhanhClient(ConnectorClient):
    kind = "nhanh"
    supported_events = (CUSTOMER,)
    default_events = (CUSTOMER,)
    required_credentials = ("app_id", "business_id", "access_token")
    batchable_events = frozenset({CUSTOMER})
    max_batch = 50
    can_pull_customers = True
    documented_rate_limit = 4.5  # 150 calls in 30 s: 4.5/s with its one-second burst stays at 139.5

    def _call(self, path: str, data) -> HttpAnswer:
        """One call, read the Nhanh way: `code: 0` becomes the HTTP status it means (429, 401 or 422)."""
        creds = self.settings.credentials
        form = {"version": "2.0", "appId": creds["app_id"], "businessId": creds["business_id"],
                "accessToken": creds["access_token"], "data": json.dumps(data, ensure_ascii=False)}
        answer = self.http.request("POST", path, data=form)
        if answer.classification != "ok":
            return answer
        try:
            body = answer.json()
        except ValueError:
            return HttpAnswer(502, answer.body, answer.headers, None)
        if body.get("code") == 1:
            return answer
        error = body.get("errorCode") or ""
        if error == "ERR_429":
            locked = float((body.get("data") or {}).get("lockedSeconds") or 30)
            self.http.limiter.block_for(locked)
            return HttpAnswer(429, answer.body, answer.headers, locked)
        return HttpAnswer(401 if error in AUTH_ERRORS else 422, answer.body, answer.headers, None)

    def customer_body(self, snapshot: dict) -> dict:
        """The mapped fields, with a mobile only where writing it cannot land on someone else's record."""
        verified = next((p["e164"] for p in snapshot.get("phones") or () if p.get("verified")), None)
        safe = verified or (snapshot.get("phone") if self.crm_id(snapshot) else None)
        body = {k: v for k, v in mapped_body({**snapshot, "phone": safe},
                                             self.settings.field_mapping or DEFAULT_MAPPING).items()
                if v not in (None, "")}
        body["name"] = body.get("name") or snapshot.get("zalo_display_name") or "Khách Zalo"  # Nhanh needs one
        return body

    def send(self, item: OutgoingItem) -> ItemResult:
        return self.send_batch([item])[0]

    def send_batch(self, items: list[OutgoingItem]) -> list[ItemResult]:
        if any(item.event_type != CUSTOMER for item in items):
            raise NotSupported("nhanh takes customer.upserted only")
        bodies = {item.delivery_id: self.customer_body(item.payload) for item in items}
        sendable = [item for item in items if bodies[item.delivery_id].get("mobile")]
        results = {item.delivery_id: ItemResult(item.delivery_id, Outcome.SENT, "not sent: Nhanh.vn keys customers "
                                                "by mobile and this profile has no verified one")
                   for item in items if item not in sendable}
        if sendable:
            answer = self._call("/api/customer/add", [bodies[item.delivery_id] for item in sendable])
            results.update({item.delivery_id: self.result_from_answer(item.delivery_id, answer) for item in sendable})
        return [results[item.delivery_id] for item in items]

    def pull_customers(self, cursor: str | None, limit: int) -> CustomerPage:
        page = int(cursor or 1)
        answer = self._call("/api/customer/search", {"page": page, "icpp": min(limit, PAGE)})
        if answer.classification != "ok":
            raise RemoteRefused(answer)
        data = answer.json().get("data") or {}
        mapping = self.settings.field_mapping or DEFAULT_MAPPING
        names = {ours: remote_field(mapping, ours) for ours in ("full_name", "phone", "email")}
        rows = list((data.get("customers") or {}).values())
        customers = [RemoteCustomer(crm_id=str(raw["id"]), **{ours: raw.get(remote) if remote else None
                                                               for ours, remote in names.items()})
                     for raw in rows]
        more = page < int(data.get("totalPages") or 1)
        return CustomerPage(customers, str(page + 1) if more else None)

    def check(self) -> str:
        answer = self._call("/api/customer/search", {"page": 1, "icpp": 1})
        if answer.classification != "ok":
            raise RemoteRefused(answer)
        return f"Nhanh.vn business {self.settings.credentials['business_id']} answered with our access token"


Client = NhanhClient
