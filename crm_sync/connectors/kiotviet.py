"""KiotViet, the POS most Vietnamese shops run (docs/connectors/kiotviet.md; its Public API documentation:
https://www.kiotviet.vn/huong-dan-su-dung-public-api-retail/).

- **Auth**: OAuth2 client credentials at `https://id.kiotviet.vn/connect/token` (form: `client_id`,
  `client_secret`, `grant_type=client_credentials`, `scopes=PublicApi.Access`); every call carries
  `Retailer: <shop name>` and `Authorization: Bearer <token>`. The token is kept until it expires
  (`expires_in`), and fetched again once when KiotViet answers 401 before that.
- **Customers**: KiotViet has no idempotency key, so a write is made safe by finding before creating: our
  customer's ref is its KiotViet `code`, looked up (`GET /customers?code=`) before a `POST /customers`, so a
  create whose answer was lost finds the record it made on the retry instead of making a second one. The
  KiotViet id is remembered per customer, so later updates (`PUT /customers/{id}`) cost no GET.
- **Rate limit**: GETs are capped at 5,000 an hour per shop (the documentation's words); the client counts
  its own and stops the run (`RateLimited`, retried at the next one) rather than go over.
- **Customers listed** for the initial sync: `GET /customers`, `pageSize` ≤ 100 from `currentItem`, in creation
  order, `total` telling how many; a customer linked to a profile has its KiotViet id in the profile's `crm_ids`,
  so the push updates that record (`PUT`) with no lookup.
- **Orders**: invoices pulled by `lastModifiedFrom`, `pageSize` ≤ 100 from `currentItem`. KiotViet's times
  carry no zone: they are the shop's, Vietnam time.
Phones go out in the local `0…` form KiotViet expects; fields follow `field_mapping` as for ShopOne.
"""
from __future__ import annotations

import datetime as dt
from collections import deque
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from miniapp_api import clock

from .base import (ConnectorClient, CustomerPage, ItemResult, NotSupported, OrderPage, OrderPosition, OutgoingItem,
                   RemoteCustomer, RemoteOrder, RemoteRefused)
from .http import HttpAnswer, RateLimited
from .mapping import mapped_body

TOKEN_URL = "https://id.kiotviet.vn/connect/token"
GET_LIMIT_PER_HOUR = 5000
PAGE_SIZE = 100
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_MAPPING = {"name": "full_name", "contactNumber": "phone", "email": "email", "address": "address"}
CUSTOMER = "customer.upserted"


class KiotVietClient(ConnectorClient):
    kind = "kiotviet"
    supported_events = (CUSTOMER,)
    default_events = (CUSTOMER,)
    required_credentials = ("client_id", "client_secret", "retailer")
    can_pull_orders = True
    can_pull_customers = True

    def __init__(self, settings, http):
        super().__init__(settings, http)
        self._token: str | None = None
        self._token_until: dt.datetime | None = None
        self._ids: dict[str, int] = {}  # our ref → KiotViet customer id
        self._gets: deque[dt.datetime] = deque()

    # Calls ------------------------------------------------------------------
    def _fresh_token(self) -> HttpAnswer | None:
        """Fetch a token; the refusal as an answer (a bad client id or secret reads as `auth`)."""
        creds = self.settings.credentials
        form = {"client_id": creds["client_id"], "client_secret": creds["client_secret"],
                "grant_type": "client_credentials", "scopes": "PublicApi.Access"}
        answer = self.http.request("POST", creds.get("token_url") or TOKEN_URL, data=urlencode(form).encode(),
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        if answer.classification != "ok":
            return HttpAnswer(401, answer.body, answer.headers, None) if answer.status == 400 else answer
        body = answer.json()
        self._token = body["access_token"]
        self._token_until = clock.now() + dt.timedelta(seconds=max(int(body.get("expires_in", 3600)) - 60, 60))
        return None

    def _spend_get(self) -> None:
        """Count a GET against the hour's allowance; stop the run before going over it."""
        now, limit = clock.now(), int(self.settings.credentials.get("get_limit_per_hour") or GET_LIMIT_PER_HOUR)
        while self._gets and self._gets[0] <= now - dt.timedelta(hours=1):
            self._gets.popleft()
        if len(self._gets) >= limit:
            raise RateLimited((self._gets[0] + dt.timedelta(hours=1) - now).total_seconds())
        self._gets.append(now)

    def _call(self, method: str, path: str, **kwargs) -> HttpAnswer:
        for attempt in (1, 2):
            if self._token is None or clock.now() >= self._token_until:
                if refused := self._fresh_token():
                    return refused
            if method == "GET":
                self._spend_get()
            answer = self.http.request(method, path, headers={"Retailer": self.settings.credentials["retailer"],
                                                              "Authorization": f"Bearer {self._token}"}, **kwargs)
            if answer.status != 401 or attempt == 2:
                return answer
            self._token = None  # it expired before its time: one fresh token, one more try
        raise AssertionError("unreachable")

    # Customers --------------------------------------------------------------
    def customer_body(self, snapshot: dict) -> dict:
        body = {k: v for k, v in mapped_body(snapshot, self.settings.field_mapping or DEFAULT_MAPPING).items()
                if v not in (None, "")}
        body["name"] = body.get("name") or snapshot.get("zalo_display_name") or "Khách Zalo"  # KiotViet needs one
        return body

    def send(self, item: OutgoingItem) -> ItemResult:
        if item.event_type != CUSTOMER:
            raise NotSupported(f"kiotviet does not take {item.event_type}")
        ref, body = item.customer_ref, self.customer_body(item.payload)
        linked = self.crm_id(item.payload)
        known = self._ids.get(ref) or (int(linked) if linked and linked.isdigit() else None)
        if known is None:
            found = self._call("GET", "/customers", params={"code": ref, "pageSize": 1})
            if found.classification != "ok":
                return self.result_from_answer(item.delivery_id, found)
            rows = found.json().get("data") or []
            known = rows[0]["id"] if rows else None
        if known is not None:
            answer = self._call("PUT", f"/customers/{known}", json_body=body)
        else:
            answer = self._call("POST", "/customers", json_body={**body, "code": ref})
            if answer.classification == "ok":
                known = answer.json()["data"]["id"]
        if answer.classification == "ok":
            self._ids[ref] = known
        elif answer.status == 404:
            self._ids.pop(ref, None)  # deleted at KiotViet: the retry finds out afresh
        return self.result_from_answer(item.delivery_id, answer)

    def pull_customers(self, cursor: str | None, limit: int) -> CustomerPage:
        start = int(cursor or 0)
        answer = self._call("GET", "/customers", params={"pageSize": min(limit, PAGE_SIZE), "currentItem": start,
                                                          "orderBy": "createdDate"})
        if answer.classification != "ok":
            raise RemoteRefused(answer)
        body = answer.json()
        rows, total = body.get("data") or [], int(body.get("total") or 0)
        customers = []
        for raw in rows:
            code = str(raw.get("code") or "")
            ours = code if code.startswith("cus_") else None
            if ours:
                self._ids[ours] = raw["id"]  # the push needs no lookup for it
            customers.append(RemoteCustomer(crm_id=str(raw["id"]), phone=raw.get("contactNumber"),
                                            full_name=raw.get("name"), email=raw.get("email"), ref=ours))
        end = start + len(rows)
        return CustomerPage(customers, str(end) if rows and end < total else None, total)

    # Orders -----------------------------------------------------------------
    def pull_orders(self, position: OrderPosition, limit: int) -> OrderPage:
        since = (position.updated_at or dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)).astimezone(VIETNAM)
        answer = self._call("GET", "/invoices", params={"lastModifiedFrom": since.replace(tzinfo=None).isoformat(),
                                                         "pageSize": min(limit, PAGE_SIZE), "currentItem": 0,
                                                         "orderBy": "modifiedDate"})
        if answer.classification != "ok":
            raise RemoteRefused(answer)
        body = answer.json()
        orders = sorted((order for order in map(invoice_order, body.get("data") or [])
                         if (order.updated_at, order.external_id) > (since, position.external_id or "")),
                        key=lambda order: (order.updated_at, order.external_id))
        return OrderPage(orders, len(body.get("data") or []) < int(body.get("total") or 0))

    def check(self) -> str:
        answer = self._call("GET", "/customers", params={"pageSize": 1})
        if answer.classification != "ok":
            raise RemoteRefused(answer)
        return f"KiotViet shop {self.settings.credentials['retailer']} answered HTTP {answer.status} with our token"


def invoice_order(raw: dict) -> RemoteOrder:
    """A KiotViet invoice as an order: its code, status, total, the customer's KiotViet id (and our ref when the
    customer's code is one of ours), times read as Vietnam time."""
    modified = dt.datetime.fromisoformat(raw.get("modifiedDate") or raw["createdDate"])
    code = raw.get("customerCode") or ""
    return RemoteOrder(
        external_id=str(raw["code"])[:100], status=str(raw.get("statusValue") or raw.get("status"))[:32],
        updated_at=(modified if modified.tzinfo else modified.replace(tzinfo=VIETNAM)).astimezone(dt.timezone.utc),
        customer_ref=code if code.startswith("cus_") else None,
        customer_id=str(raw["customerId"]) if raw.get("customerId") else None, customer_name=raw.get("customerName"),
        total_vnd=int(raw.get("total") or 0), items=tuple(raw.get("invoiceDetails") or ()),
        raw=raw)


Client = KiotVietClient
