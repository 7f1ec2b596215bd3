"""Haravan and Sapo: two Vietnamese e-commerce platforms whose admin APIs follow Shopify's shape, so one adapter
serves both and a configuration per platform says where they differ (docs/connectors/haravan-sapo.md).

- **Customers** `GET {prefix}/customers/search.json?query=…`, `POST {prefix}/customers.json` and `PUT
  {prefix}/customers/{id}.json`, bodies wrapped as `{"customer": {...}}`.
- **No idempotency key**, so a create is made safe by finding before creating: every customer we create carries
  the tag `zalo:<our ref>`, and a customer we hold no remote id for is searched by that tag first; a create whose
  answer was lost is found on the retry and updated instead of made twice. The remote id is remembered.
- **Leaky-bucket limits**: each answer says `<used>/<bucket>` in the platform's call-limit header (Haravan
  `X-Haravan-Api-Call-Limit`, 80 leaking 4/s; Sapo `X-Sapo-Api-Call-Limit`, 40 leaking 2/s). When the bucket is
  nearly full the connector holds its next call until enough has leaked; a 429 with `Retry-After` blocks it too.
  The connector's own `rate_limit_per_second` should not exceed the leak rate.
- **Customers listed** for the initial sync: `GET {prefix}/customers.json?since_id=…&limit=250` in id order
  (`customers/count.json` first, for the progress); a customer linked to a profile has its id in the profile's
  `crm_ids`, so the push updates that record with no search. The `zalo:<ref>` tag is set when we create a customer
  (an update leaves the record's tags as the shop keeps them).
- **Orders** `GET {prefix}/orders.json?updated_at_min=…&limit=…`, oldest change first.
Phones go out in the local `0…` form; fields follow `field_mapping`.
"""
from __future__ import annotations

import datetime as dt
from typing import ClassVar

from miniapp_api import clock
from miniapp_api.clock import iso_utc

from .base import (ConnectorClient, CustomerPage, ItemResult, NotSupported, OrderPage, OrderPosition, OutgoingItem,
                   RemoteCustomer, RemoteOrder, RemoteRefused)
from .http import HttpAnswer
from .mapping import mapped_body

CUSTOMER = "customer.upserted"
DEFAULT_MAPPING = {"first_name": "full_name", "phone": "phone", "email": "email"}
HEADROOM = 2  # calls kept free in the bucket for whatever else the shop's apps do


def ref_tag(ref: str) -> str:
    return f"zalo:{ref}"


class ShopifyLikeClient(ConnectorClient):
    """A platform's configuration: where its API lives, how it authenticates, its bucket."""

    prefix: ClassVar[str]
    call_limit_header: ClassVar[str]
    leak_per_second: ClassVar[float]
    supported_events = (CUSTOMER,)
    default_events = (CUSTOMER,)
    can_pull_orders = True
    can_pull_customers = True
    max_page: ClassVar[int] = 250

    def __init__(self, settings, http):
        super().__init__(settings, http)
        self._ids: dict[str, int] = {}

    def auth_headers(self) -> dict:
        raise NotImplementedError

    def _call(self, method: str, path: str, **kwargs) -> HttpAnswer:
        answer = self.http.request(method, self.prefix + path, headers=self.auth_headers(), **kwargs)
        used, _, size = (answer.headers.get(self.call_limit_header) or "").partition("/")
        if used.isdigit() and size.isdigit() and int(used) >= int(size) - HEADROOM:
            self.http.limiter.block_for((int(used) - int(size) + HEADROOM + 1) / self.leak_per_second)
        return answer

    def customer_body(self, snapshot: dict) -> dict:
        return {k: v for k, v in mapped_body(snapshot, self.settings.field_mapping or DEFAULT_MAPPING).items()
                if v not in (None, "")}

    def send(self, item: OutgoingItem) -> ItemResult:
        if item.event_type != CUSTOMER:
            raise NotSupported(f"{self.kind} does not take {item.event_type}")
        ref, body = item.customer_ref, self.customer_body(item.payload)
        linked = self.crm_id(item.payload)
        known = self._ids.get(ref) or (int(linked) if linked and linked.isdigit() else None)
        if known is None:
            found = self._call("GET", "/customers/search.json", params={"query": f"tag:{ref_tag(ref)}", "limit": 1})
            if found.classification != "ok":
                return self.result_from_answer(item.delivery_id, found)
            rows = found.json().get("customers") or []
            known = rows[0]["id"] if rows else None
        if known is not None:
            answer = self._call("PUT", f"/customers/{known}.json", json_body={"customer": body})
        else:
            answer = self._call("POST", "/customers.json", json_body={"customer": {**body, "tags": ref_tag(ref)}})
            if answer.classification == "ok":
                known = answer.json()["customer"]["id"]
        if answer.classification == "ok":
            self._ids[ref] = known
        elif answer.status == 404:
            self._ids.pop(ref, None)
        return self.result_from_answer(item.delivery_id, answer)

    def pull_customers(self, cursor: str | None, limit: int) -> CustomerPage:
        total = None
        if cursor is None:
            counted = self._call("GET", "/customers/count.json")
            if counted.classification != "ok":
                raise RemoteRefused(counted)
            total = int(counted.json().get("count") or 0)
        size = min(limit, self.max_page)
        answer = self._call("GET", "/customers.json", params={"since_id": cursor or 0, "limit": size})
        if answer.classification != "ok":
            raise RemoteRefused(answer)
        rows = answer.json().get("customers") or []
        customers = []
        for raw in rows:
            ours = tagged_ref(raw.get("tags"))
            if ours:
                self._ids[ours] = raw["id"]
            name = " ".join(p for p in (raw.get("last_name"), raw.get("first_name")) if p) or None
            customers.append(RemoteCustomer(crm_id=str(raw["id"]), phone=raw.get("phone"), full_name=name,
                                            email=raw.get("email"), ref=ours))
        return CustomerPage(customers, str(rows[-1]["id"]) if len(rows) == size else None, total)

    def pull_orders(self, position: OrderPosition, limit: int) -> OrderPage:
        since = position.updated_at or dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
        answer = self._call("GET", "/orders.json", params={"updated_at_min": iso_utc(since), "limit": min(limit, 250),
                                                           "order": "updated_at asc"})
        if answer.classification != "ok":
            raise RemoteRefused(answer)
        rows = answer.json().get("orders") or []
        orders = sorted((order for order in map(platform_order, rows)
                         if (order.updated_at, order.external_id) > (since, position.external_id or "")),
                        key=lambda order: (order.updated_at, order.external_id))
        return OrderPage(orders, len(rows) >= min(limit, 250))

    def check(self) -> str:
        answer = self._call("GET", "/customers/search.json", params={"limit": 1})
        if answer.classification != "ok":
            raise RemoteRefused(answer)
        return f"{self.kind} at {self.http.base_url} answered HTTP {answer.status} with our token"


def tagged_ref(tags) -> str | None:
    """Our ref from a `zalo:<ref>` tag among a record's comma-separated tags."""
    found = (t.strip().removeprefix("zalo:") for t in str(tags or "").split(",") if t.strip().startswith("zalo:"))
    return next(found, None)


def platform_order(raw: dict) -> RemoteOrder:
    """An order in the platforms' shape: status from `financial_status`/`fulfillment_status` (`cancelled` when
    cancelled), the customer's remote id, our ref when their tags carry it."""
    customer = raw.get("customer") or {}
    ref = tagged_ref(customer.get("tags"))
    status = "cancelled" if raw.get("cancelled_at") else raw.get("fulfillment_status") or raw.get("financial_status")
    updated = dt.datetime.fromisoformat(str(raw["updated_at"]).replace("Z", "+00:00")).astimezone(dt.timezone.utc)
    return RemoteOrder(
        external_id=str(raw.get("name") or raw["id"])[:100], status=str(status or "open")[:32], updated_at=updated,
        customer_ref=ref, customer_id=str(customer["id"]) if customer.get("id") else None,
        phone=raw.get("phone") or customer.get("phone"), customer_name=customer.get("first_name"),
        total_vnd=int(float(raw.get("total_price") or 0)), items=tuple(raw.get("line_items") or ()), raw=raw)
