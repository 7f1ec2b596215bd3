"""Sending a connector what it missed in a time range: after it was turned off (by hand, or for failing too
long: crm_sync/failing.py), or after its dead letters piled up (Svix's "recover").

Within [since, until) of the events' time: its dead deliveries are replayed (crm_sync/replay.py: a customer's
older snapshot is superseded by the newer one, not sent), and the events it subscribes to but never got (it
was off) are queued now. An erased customer's events are not sent again, except `customer.erased` itself; merges
and order changes are facts and go as they are. What it already has (pending, in flight or done) is left alone.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from miniapp_api import clock
from miniapp_api.models import Connector, Customer, Delivery, OutboxEvent
from miniapp_api.services.privacy.erasure import ERASED_EVENT

from .fanout import delivery_row, queue_deliveries
from .replay import ReplayReport, replay_dead

MAX_RANGE = dt.timedelta(days=31)
CHUNK = 1000


def recover(session: Session, connector: Connector, since: dt.datetime, until: dt.datetime) -> ReplayReport:
    """Replay the dead and queue the missed deliveries of events in [since, until); the caller commits."""
    report = replay_dead(session, where=sa.and_(Delivery.connector_id == connector.id,
                                                Delivery.created_at >= since, Delivery.created_at < until))
    missed = (sa.select(OutboxEvent)
              .outerjoin(Customer, sa.and_(OutboxEvent.aggregate_type == "customer",
                                           Customer.ref == OutboxEvent.aggregate_id))
              .where(OutboxEvent.created_at >= since, OutboxEvent.created_at < until,
                     OutboxEvent.event_type.in_(list(connector.events or ())),
                     sa.or_(OutboxEvent.event_type == ERASED_EVENT, Customer.erased_at.is_(None)),
                     ~sa.exists().where(Delivery.connector_id == connector.id,
                                        Delivery.outbox_event_id == OutboxEvent.id))
              .order_by(OutboxEvent.id))
    after = 0
    while events := session.scalars(missed.where(OutboxEvent.id > after).limit(CHUNK)).all():
        now = clock.now()
        queue_deliveries(session, [delivery_row(connector.id, event, now) for event in events])
        report.replayed += len(events)
        after = events[-1].id
    return report
