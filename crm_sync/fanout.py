"""Fan-out: each outbox event becomes one delivery per enabled connector subscribed to its type.

Outbox rows are claimed with the generic claim, so two workers never fan out
the same event twice at once; the unique (connector, event) key makes a
repeat after a crash harmless. Fan-outs may run concurrently or late (a
stalled one loses its lease), so delivery ids do not follow event order:
each delivery carries its event's `sequence`, which is what orders it.
Connectors added later do not receive older events, and disabled connectors
receive nothing; paused ones (auth failure) keep receiving so nothing is
missed while the key is fixed. Queued deliveries wake the connectors whose
schedule is `immediate` (`DELIVERIES`).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from miniapp_api import clock
from miniapp_api.models import Connector, Delivery, OutboxEvent
from miniapp_api.models.queue import PENDING

from miniapp_api.queue import claim, complete_held, wakeup

# The wake-up channel of CRM deliveries: connectors scheduled `immediate` push as soon as one is queued.
DELIVERIES = "crm-deliveries"


def _insert_ignoring_duplicates(session: Session):
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(Delivery).on_conflict_do_nothing(index_elements=["connector_id", "outbox_event_id"])


def queue_deliveries(session: Session, rows: list[dict]) -> None:
    """Insert delivery rows (from `delivery_row`); one that exists already is left as it is."""
    if rows:
        session.execute(_insert_ignoring_duplicates(session), rows)
        wakeup.notify(session, DELIVERIES)


def delivery_row(connector_id: int, event: OutboxEvent, now: dt.datetime) -> dict:
    """The delivery of one event to one connector; it keeps the event's place in its customer's order."""
    return {"connector_id": connector_id, "outbox_event_id": event.id, "aggregate_id": event.aggregate_id,
            "sequence": event.sequence, "event_type": event.event_type, "payload": event.payload,
            "created_at": now, "available_at": now, "status": PENDING, "attempts": 0}


def fan_out(session: Session, owner: str, *, limit: int = 1000) -> int:
    """Turn up to `limit` due outbox events into deliveries; returns how many deliveries were queued."""
    ids = claim(session, OutboxEvent, owner=owner, limit=limit, order_by=(OutboxEvent.id,))
    if not ids:
        return 0
    # Settled first, payloads read after: an event cancelled meanwhile (an erasure scrubbed it) is not
    # copied, and on PostgreSQL an erasure starting now waits until these deliveries exist to scrub them.
    held = complete_held(session, OutboxEvent, ids, owner)
    events = session.scalars(sa.select(OutboxEvent).where(OutboxEvent.id.in_(held)).order_by(OutboxEvent.id)
                             .execution_options(populate_existing=True)).all()
    connectors = session.scalars(sa.select(Connector).where(Connector.enabled.is_(True))).all()
    now = clock.now()
    rows = [delivery_row(connector.id, event, now)
            for event in events for connector in connectors if event.event_type in (connector.events or ())]
    queue_deliveries(session, rows)
    session.commit()
    return len(rows)
