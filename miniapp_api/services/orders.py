"""Orders coming back from CRMs: upserted by (connector, external id), linked to a customer.

An order is linked by our customer ref when the CRM kept it, else by phone
(an unverified phone claim through `resolve_profile`, which may create the
profile). Every status change (including the first one seen) is appended to
the order's history and published as `order.status_changed`, the hook that
customer messaging listens to. An update older than what we hold (a late
push racing a pull) changes nothing.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_sync.connectors.base import RemoteOrder
from crm_sync.outbox import enqueue_event

from .. import clock
from ..models import Connector, Customer, Order, OrderStatusChange
from ..models.customer import PHONE
from .order_notifications import notify_status_change
from .phones import InvalidPhone, normalize_phone
from .profiles import Claim, find_customer, live, resolve_profile

STATUS_CHANGED = "order.status_changed"


def link_customer(session: Session, connector: Connector, remote: RemoteOrder) -> Customer | None:
    """The live profile this order belongs to, by our ref first, then by phone."""
    if remote.customer_ref:
        customer = session.scalar(sa.select(Customer).where(Customer.ref == remote.customer_ref))
        if customer is not None:
            return live(customer)
    if not remote.phone:
        return None
    try:
        phone = normalize_phone(remote.phone)
    except InvalidPhone:
        return None
    customer = find_customer(session, PHONE, phone)
    if customer is not None:
        return customer
    facts = {"full_name": remote.customer_name} if remote.customer_name else None
    return resolve_profile(session, [Claim(PHONE, phone, False, f"crm:{connector.name}")], facts=facts,
                           source="crm").customer


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
    order.phone, order.raw, order.remote_updated_at = remote.phone, remote.raw, remote.updated_at
    order.customer_id = customer.id if customer is not None else order.customer_id
    order.updated_at = now
    session.flush()
    if old_status != remote.status:
        session.add(OrderStatusChange(order_id=order.id, old_status=old_status, new_status=remote.status,
                                      source=source, remote_updated_at=remote.updated_at, recorded_at=now))
        ref = customer.ref if customer is not None else None
        notified = notify_status_change(session, customer, order)
        enqueue_event(session, STATUS_CHANGED, "customer", ref or f"order:{connector.name}:{order.external_id}",
                      {"customer_ref": ref, "connector": connector.name, "order": order_view(order),
                       "old_status": old_status, "new_status": remote.status,
                       "changed_at": clock.iso_utc(remote.updated_at), "customer_notified": notified})
    return order
