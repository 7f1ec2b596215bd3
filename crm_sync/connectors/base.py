"""The contract every connector kind implements (documented in docs/connectors.md).

A kind turns deliveries into calls to one remote and says, per delivery, how
it went: `SENT`, `RETRY` (transient: try again later), `REJECTED` (permanent:
dead letter now, with the remote's answer kept) or `AUTH` (the remote refused
our credentials: pause the connector). It never touches the database; the
engine claims, orders, coalesces, retries and records around it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import ClassVar

from miniapp_api.services.customers.crm_profiles import RemoteCustomer
from miniapp_api.services.orders.records import RemoteOrder

from .http import ConnectorHttp, HttpAnswer


class Outcome(str, enum.Enum):
    SENT = "sent"
    RETRY = "retry"
    REJECTED = "rejected"
    AUTH = "auth"


@dataclasses.dataclass(frozen=True)
class OutgoingItem:
    """One delivery as a connector sees it. `idempotency_key` is stable across retries."""

    delivery_id: int
    event_type: str
    customer_ref: str
    payload: dict

    @property
    def idempotency_key(self) -> str:
        return f"dlv_{self.delivery_id}"


@dataclasses.dataclass
class ItemResult:
    delivery_id: int
    outcome: Outcome
    detail: str = ""
    retry_after: float | None = None
    response_body: str | None = None


@dataclasses.dataclass(frozen=True)
class OrderPosition:
    """Keyset position of an order pull: the (updated_at, id) of the last order taken."""

    updated_at: dt.datetime | None = None
    external_id: str | None = None


@dataclasses.dataclass
class OrderPage:
    orders: list[RemoteOrder]
    has_more: bool


@dataclasses.dataclass
class CustomerPage:
    """One page of the CRM's customers; `next_cursor` None when it was the last; `total` when the CRM says."""

    customers: list[RemoteCustomer]
    next_cursor: str | None
    total: int | None = None


@dataclasses.dataclass(frozen=True)
class ConnectorSettings:
    """What a client is built from: the connector row with its credentials decrypted."""

    name: str
    base_url: str
    credentials: dict
    field_mapping: dict
    events: tuple[str, ...]


class NotSupported(Exception):
    """This connector kind does not offer that operation."""


class RemoteRefused(Exception):
    """The remote answered a non-delivery call (order pull, connection test) with an error."""

    def __init__(self, answer: HttpAnswer):
        super().__init__(answer.summary)
        self.answer = answer


MAX_BIGINT = 2**63 - 1


def parse_order(raw: dict) -> RemoteOrder:
    """An order in the shared JSON shape (docs/connectors/shopone.md) in our units.

    Raises ValueError (or KeyError, TypeError) for an order our tables cannot hold, before anything is stored.
    """
    updated = dt.datetime.fromisoformat(raw["updated_at"].replace("Z", "+00:00"))
    try:
        updated = updated.astimezone(dt.timezone.utc)
    except OverflowError as exc:  # year 1 with a positive offset is before year 1 in UTC
        raise ValueError("updated_at is out of range") from exc
    total = int(raw.get("total") or 0)
    if not -MAX_BIGINT <= total <= MAX_BIGINT:
        raise ValueError("total is out of range")
    return RemoteOrder(
        external_id=_bounded(raw["id"], "id", 100), status=_bounded(raw["status"], "status", 32),
        updated_at=updated, customer_ref=raw.get("customer_ref"), customer_id=_optional_text(raw.get("customer_id")),
        phone=raw.get("phone"), customer_name=raw.get("customer_name"), total_vnd=total,
        items=tuple(raw.get("items") or ()), raw=raw)


def _bounded(value, name: str, length: int) -> str:
    text = str(value)
    if not 1 <= len(text) <= length:
        raise ValueError(f"{name} must be 1 to {length} characters")
    return text


def _optional_text(value) -> str | None:
    return None if value in (None, "") else str(value)


class ConnectorClient:
    """Base class of a kind. Subclasses set the class attributes and implement `send`."""

    kind: ClassVar[str]
    supported_events: ClassVar[tuple[str, ...]]
    required_credentials: ClassVar[tuple[str, ...]] = ()
    default_events: ClassVar[tuple[str, ...]] = ("customer.upserted",)
    batchable_events: ClassVar[frozenset[str]] = frozenset()
    max_batch: ClassVar[int] = 1
    can_pull_orders: ClassVar[bool] = False
    can_pull_customers: ClassVar[bool] = False
    # A new connector's rate limit (requests/s) when none is given: what the vendor documents, with headroom.
    documented_rate_limit: ClassVar[float | None] = None
    # The credential holding the Standard Webhooks secret this remote signs its pushes with.
    inbound_secret_credential: ClassVar[str | None] = None
    # Turn the connector off after its pushes failed, with no success, for CRM_DISABLE_FAILING_AFTER_HOURS
    # (an integrator's endpoint that is gone; a CRM is rather paused on its credentials): crm_sync/failing.py.
    disables_when_failing: ClassVar[bool] = False

    def __init__(self, settings: ConnectorSettings, http: ConnectorHttp):
        self.settings = settings
        self.http = http

    def send(self, item: OutgoingItem) -> ItemResult:
        """Deliver one item; never raise for a remote's refusal, report it."""
        raise NotImplementedError

    def send_batch(self, items: list[OutgoingItem]) -> list[ItemResult]:
        """Deliver several `batchable_events` items in one call, one result per item."""
        return [self.send(item) for item in items]

    def pull_orders(self, position: OrderPosition, limit: int) -> OrderPage:
        """Orders changed after `position`, oldest first by (updated_at, id)."""
        raise NotSupported(f"{self.kind} connectors do not pull orders")

    def pull_customers(self, cursor: str | None, limit: int) -> CustomerPage:
        """The CRM's customers from `cursor` (None: the first page), for the initial sync to link."""
        raise NotSupported(f"{self.kind} connectors do not list customers")

    def crm_id(self, snapshot: dict) -> str | None:
        """The id this CRM gave the customer of a snapshot, when they were linked (push to it, never beside it)."""
        return (snapshot.get("crm_ids") or {}).get(self.settings.name)

    def parse_pushed_orders(self, body: dict) -> list[RemoteOrder]:
        """Orders in a (verified) push to /webhooks/crm/<name>: `{"orders": [<order>, ...]}`."""
        return [parse_order(raw) for raw in body.get("orders", [])]

    def check(self) -> str:
        """Reach the remote with our credentials; a line for `flask connectors test`."""
        raise NotImplementedError

    @staticmethod
    def result_from_answer(item_id: int, answer: HttpAnswer) -> ItemResult:
        """The standard reading of an HTTP answer: 2xx sent, 401/403 auth, 408/409/429/5xx retry, other 4xx rejected."""
        return ItemResult(item_id, OUTCOME_BY_CLASS[answer.classification], answer.summary,
                          retry_after=answer.retry_after, response_body=answer.body[:4000])


OUTCOME_BY_CLASS = {"ok": Outcome.SENT, "auth": Outcome.AUTH, "transient": Outcome.RETRY,
                    "permanent": Outcome.REJECTED}
