"""Replaying dead deliveries without rolling a customer back at the remote.

A dead snapshot (`customer.upserted`) is a past state of its customer, and
replaying it must never undo a newer one. So a replay brings the remote the
customer's current state, the newest snapshot event:

- the dead snapshot is the newest: it is queued again as it is (same
  idempotency key, so a remote that did apply it applies it once);
- a newer snapshot exists: the dead one is skipped as superseded, saying by
  which delivery; that delivery is queued again if it is dead too, or created
  if this connector never got it (it was disabled then, or the fan-out has
  not run yet), and left alone if it is pending, in flight or done;
- the customer was merged into another profile or erased: skipped, saying so.

Other events (form submissions, order changes, merges) are facts rather than
states and are queued again as they are. The dispatcher's high-water mark
still guards a replayed snapshot: if a newer one goes out first, it is ignored.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from miniapp_api import clock
from miniapp_api.models import Customer, Delivery, OutboxEvent
from miniapp_api.models.queue import DEAD

from miniapp_api import queue
from miniapp_api.queue import wakeup
from .fanout import DELIVERIES, delivery_row, queue_deliveries
from .lanes import SNAPSHOT_EVENT


@dataclasses.dataclass
class ReplayReport:
    """How many deliveries were queued again, and the dead ones skipped, with why."""

    replayed: int = 0
    skipped: dict[int, str] = dataclasses.field(default_factory=dict)


def replay_dead(session: Session, ids=None, where=None) -> ReplayReport:
    """Queue dead deliveries again (all, the given ids, or those matching `where`); the caller commits."""
    query = sa.select(Delivery).where(Delivery.status == DEAD).order_by(Delivery.id)
    if ids is not None:
        query = query.where(Delivery.id.in_(list(ids)))
    if where is not None:
        query = query.where(where)
    report = ReplayReport()
    lanes: dict[tuple[int, str], list[Delivery]] = defaultdict(list)
    facts = []
    for delivery in session.scalars(query).all():
        if delivery.event_type == SNAPSHOT_EVENT:
            lanes[(delivery.connector_id, delivery.aggregate_id)].append(delivery)
        else:
            facts.append(delivery.id)
    if facts:
        report.replayed += queue.replay(session, Delivery, facts)
    for (connector_id, ref), snapshots in lanes.items():
        _replay_snapshots(session, connector_id, ref, snapshots, report)
    if report.replayed:
        wakeup.notify(session, DELIVERIES)
    return report


def _replay_snapshots(session: Session, connector_id: int, ref: str, snapshots: list[Delivery],
                      report: ReplayReport) -> None:
    """One customer's dead snapshots at one connector: the current state goes out, the rest is superseded."""
    customer = session.scalar(sa.select(Customer).where(Customer.ref == ref))
    gone = None if customer is None else ("customer erased" if customer.erased_at is not None else
                                          "customer merged into another profile, whose snapshots carry its data"
                                          if customer.merged_into_id is not None else None)
    if gone:
        _supersede(session, snapshots, f"not replayed: {gone}", report)
        return
    newest_dead = max(snapshots, key=lambda d: (d.sequence, d.outbox_event_id))
    latest = session.scalar(sa.select(OutboxEvent).where(
        OutboxEvent.aggregate_id == ref, OutboxEvent.event_type == SNAPSHOT_EVENT)
        .order_by(OutboxEvent.sequence.desc(), OutboxEvent.id.desc()).limit(1))
    if latest is None or latest.id == newest_dead.outbox_event_id:
        report.replayed += queue.replay(session, Delivery, [newest_dead.id])
        _supersede(session, [d for d in snapshots if d is not newest_dead],
                   f"superseded by delivery {newest_dead.id} (version {newest_dead.sequence}), queued again", report)
        return
    current = _delivery_of(session, connector_id, latest.id)
    if current is None:
        queue_deliveries(session, [delivery_row(connector_id, latest, clock.now())])
        current, state = _delivery_of(session, connector_id, latest.id), "queued now"
        report.replayed += 1
    elif current.status == DEAD:
        report.replayed += queue.replay(session, Delivery, [current.id])
        state = "queued again"
    else:
        state = f"which is {current.status}"
    _supersede(session, snapshots, f"superseded by delivery {current.id} (version {latest.sequence}), {state}",
               report)


def _delivery_of(session: Session, connector_id: int, event_id: int) -> Delivery | None:
    return session.scalar(sa.select(Delivery).where(Delivery.connector_id == connector_id,
                                                    Delivery.outbox_event_id == event_id))


def _supersede(session: Session, snapshots: list[Delivery], reason: str, report: ReplayReport) -> None:
    if snapshots:
        queue.discard(session, Delivery, reason, ids=[d.id for d in snapshots])
        report.skipped.update({d.id: reason for d in snapshots})
