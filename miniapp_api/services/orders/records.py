"""Orders coming back from CRMs: upserted by (connector, external id), linked to a customer.

An order is linked by our customer ref when the CRM kept it, else by the
CRM's own customer id (an identity the CRM owns: its first order creates the
profile), else to the one profile holding the order's phone *verified* by
Zalo. Otherwise it waits unlinked for staff: a phone someone merely typed
proves nothing (docs/profiles.md). Every status change (including the first
one seen) is appended to the order's history and published as
`order.status_changed`, the hook that customer messaging listens to. An
update older than what we hold (a late push racing a pull) changes nothing.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import Connector, Customer, CustomerIdentity, Order, OrderStatusChange
from ...models.customer import PHONE
from ..journeys import triggers as journeys
from ..journeys.definitions import ORDER_STATUS_CHANGED
from .notifications import notify_status_change
from ..customers.crm_profiles import crm_identity, crm_phone, crm_profile
from ..customers.profiles import live
from ...queue import enqueue_event

@dataclasses.dataclass(frozen=True)
class RemoteOrder:
    """An order as a remote reports it, already in our units (aware UTC times, integer VND)."""

    external_id: str
    status: str
    updated_at: dt.datetime
    customer_ref: str | None = None
    customer_id: str | None = None  # the CRM's own id of the customer, when it sends one
    phone: str | None = None
    customer_name: str | None = None
    total_vnd: int = 0
    items: tuple = ()
    raw: dict = dataclasses.field(default_factory=dict)


STATUS_CHANGED = "order.status_changed"


def link_customer(session: Session, connector: Connector, remote: RemoteOrder) -> Customer | None:
    """The live profile this order belongs to: by our ref, the CRM's customer id or a verified phone; else None."""
    if remote.customer_ref:
        customer = session.scalar(sa.select(Customer).where(Customer.ref == remote.customer_ref))
        if customer is not None:
            return live(customer)
    phone = crm_phone(remote.phone)
    identity = crm_identity(connector.name, remote.customer_id) if remote.customer_id else None
    if identity:
        facts = {"full_name": remote.customer_name} if remote.customer_name else None
        return crm_profile(session, connector.name, identity, phone=phone, facts=facts).customer
    identity = session.scalar(sa.select(CustomerIdentity).where(
        CustomerIdentity.kind == PHONE, CustomerIdentity.value == phone, CustomerIdentity.verified.is_(True))
    ) if phone else None
    return live(identity.customer) if identity is not None else None


def order_view(order: Order) -> dict:
    return {"external_id": order.external_id, "status": order.status, "total_vnd": order.total_vnd,
            "items": order.items, "updated_at": clock.iso_utc(order.remote_updated_at)}


def record_order(session: Session, connector: Connector, remote: RemoteOrder, source: str) -> Order | None:
    """Upsert one order in the caller's transaction; None when the update is older than what we hold."""
    order = session.scalar(sa.select(Order).where(Order.connector_id == connector.id,
                                                  Order.external_id == remote.external_id))
    if order is not None and remote.updated_at < order.remote_updated_at:
        return None
    customer = link_customer(session, connector, remote)
    now = clock.now()
    old_status = order.status if order is not None else None
    if order is None:
        order = Order(connector_id=connector.id, external_id=remote.external_id, created_at=now)
        session.add(order)
    order.status, order.total_vnd, order.items = remote.status, remote.total_vnd, list(remote.items)
    # a status-only update keeps the phone we hold: order news depends on it
    order.phone = remote.phone or order.phone
    order.raw, order.remote_updated_at = remote.raw, remote.updated_at
    if customer is None and order.customer_id is not None:  # linked earlier (by staff, or by an older update)
        customer = live(session.get(Customer, order.customer_id))
    order.customer_id = customer.id if customer is not None else None
    order.updated_at = now
    session.flush()
    if customer is not None and old_status is None:
        journeys.leave(session, customer.id, journeys.ORDERED)
    if old_status != remote.status:
        if customer is not None:
            journeys.fire(session, ORDER_STATUS_CHANGED, customer.id, value=remote.status,
                          occurrence=f"{order.id}:{remote.status}", context={"order": order.id})
        session.add(OrderStatusChange(order_id=order.id, old_status=old_status, new_status=remote.status,
                                      source=source, remote_updated_at=remote.updated_at, recorded_at=now))
        ref = customer.ref if customer is not None else None
        notified = notify_status_change(session, customer, order)
        enqueue_event(session, STATUS_CHANGED, "customer", ref or f"order:{connector.name}:{order.external_id}",
                      {"customer_ref": ref, "connector": connector.name, "order": order_view(order),
                       "old_status": old_status, "new_status": remote.status,
                       "changed_at": clock.iso_utc(remote.updated_at), "customer_notified": notified})
    return order


def unlinked_orders(session: Session, limit: int, before_id: int | None = None) -> tuple[list[Order], int | None]:
    """Orders no profile could safely claim, newest first, for staff to link; and the id to continue before."""
    query = sa.select(Order).where(Order.customer_id.is_(None)).order_by(Order.id.desc()).limit(limit + 1)
    if before_id is not None:
        query = query.where(Order.id < before_id)
    rows = list(session.scalars(query))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def link_order(session: Session, order: Order, customer: Customer) -> None:
    """Staff say whose order this is; later status changes keep the link (and may message a verified phone)."""
    order.customer_id = live(customer).id
    order.updated_at = clock.now()
    session.flush()
