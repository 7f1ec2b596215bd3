"""Per-customer lanes: what of a claimed batch may go out now, in which order, and what is superseded.

A customer's deliveries to one connector form a lane, ordered by the events'
own sequence (`Delivery.sequence`, then the outbox event id), never by
delivery id, which follows whatever order fan-outs happened to run in.
Deciding is one transaction holding the lane rows' locks (`delivery_lane`,
`FOR UPDATE` on PostgreSQL; SQLite has one writer), so two workers never
decide for one customer at once:

1. every other due delivery of the claimed customers joins the claim, so all
   of a customer's pending updates coalesce, not only those sharing a batch;
2. a customer with a delivery in flight elsewhere, or an earlier one outside
   the claim (waiting for its retry), is given back untouched;
3. the customer's snapshots (`customer.upserted`) coalesce into the newest,
   sent in the place of the first; the others are ignored, saying why;
4. the newest is sent only if its sequence is not below the lane's
   high-water mark (the newest snapshot ever handed to the remote), and the
   mark moves to it before the call, since a call that times out may still
   be applied. So nothing older ever overwrites what the remote may hold.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from miniapp_api import clock
from miniapp_api.models import Delivery, DeliveryLane
from miniapp_api.models.queue import PENDING, PROCESSING

from miniapp_api import queue
from .connectors.base import OutgoingItem

SNAPSHOT_EVENT = "customer.upserted"
JOIN_LIMIT = 10_000  # pending deliveries of the claimed customers that join one claim


@dataclasses.dataclass
class Claimed:
    item: OutgoingItem
    attempts: int
    key: tuple[int, int]  # (sequence, outbox event id): the lane order


@dataclasses.dataclass
class Decision:
    """Per customer, what to send in order; and the deliveries ignored, with why."""

    lanes: list[list[Claimed]] = dataclasses.field(default_factory=list)
    ignored: dict[int, str] = dataclasses.field(default_factory=dict)


def _lane_order(row) -> sa.Tuple:
    return sa.tuple_(row.sequence, row.outbox_event_id)


def waiting_earlier(now: dt.datetime):
    """An earlier delivery of the same customer waits for its retry."""
    earlier = aliased(Delivery)
    return sa.exists().where(
        earlier.connector_id == Delivery.connector_id, earlier.aggregate_id == Delivery.aggregate_id,
        _lane_order(earlier) < _lane_order(Delivery), earlier.status == PENDING, earlier.available_at > now)


def in_flight_sibling(now: dt.datetime):
    """Another delivery of the same customer is being sent (its lease is live)."""
    other = aliased(Delivery)
    return sa.exists().where(
        other.connector_id == Delivery.connector_id, other.aggregate_id == Delivery.aggregate_id,
        other.id != Delivery.id, other.status == PROCESSING, other.lease_expires_at >= now)


def claim_lanes(session: Session, connector_id: int, owner: str, limit: int, lease: dt.timedelta) -> Decision:
    """Claim up to `limit` due deliveries, then decide their customers' lanes (committed)."""
    now = clock.now()
    first = queue.claim(session, Delivery, owner=owner, limit=limit, lease=lease, order_by=(Delivery.id,),
                        where=sa.and_(Delivery.connector_id == connector_id, ~waiting_earlier(now),
                                      ~in_flight_sibling(now)))
    if not first:
        return Decision()
    customers = sorted(set(session.scalars(sa.select(Delivery.aggregate_id).where(Delivery.id.in_(first)))))
    marks = _lock_lanes(session, connector_id, customers)
    joined = queue.claim(session, Delivery, owner=owner, limit=JOIN_LIMIT, lease=lease, order_by=(Delivery.id,),
                         where=sa.and_(Delivery.connector_id == connector_id,
                                       Delivery.aggregate_id.in_(customers), ~waiting_earlier(now)),
                         commit=False)
    ids = set(first) | set(joined)
    by_customer = _load(session, ids)
    blocked = _blocked(session, connector_id, by_customer, ids, clock.now())  # after waiting for the locks
    queue.release(session, Delivery, [c.item.delivery_id for ref in blocked for c in by_customer[ref]], owner)
    decision, new_marks = Decision(), {}
    for ref in sorted(by_customer, key=lambda ref: min(c.item.delivery_id for c in by_customer[ref])):
        if ref in blocked:
            continue
        mark = marks.get(ref, (0, None))
        lane, new_mark = _coalesce(sorted(by_customer[ref], key=lambda c: c.key), mark, decision.ignored)
        if lane:
            decision.lanes.append(lane)
        if new_mark != mark:
            new_marks[ref] = new_mark
    for delivery_id, reason in decision.ignored.items():
        queue.ignore(session, Delivery, delivery_id, owner, reason)
    _move_marks(session, connector_id, new_marks)
    session.commit()
    return decision


def _load(session: Session, ids: set[int]) -> dict[str, list[Claimed]]:
    """The claimed deliveries, by customer, with everything needed to send them."""
    by_customer: dict[str, list[Claimed]] = defaultdict(list)
    for r in session.execute(sa.select(Delivery.id, Delivery.event_type, Delivery.aggregate_id, Delivery.payload,
                                       Delivery.attempts, Delivery.sequence, Delivery.outbox_event_id)
                             .where(Delivery.id.in_(ids))):
        by_customer[r.aggregate_id].append(Claimed(OutgoingItem(r.id, r.event_type, r.aggregate_id, r.payload),
                                                   r.attempts, (r.sequence, r.outbox_event_id)))
    return by_customer


def _lock_lanes(session: Session, connector_id: int, customers: list[str]) -> dict[str, tuple[int, int | None]]:
    """Lock the customers' lane rows (created on first use), in ref order; returns their marks."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(DeliveryLane).on_conflict_do_nothing(
        index_elements=["connector_id", "aggregate_id"]),
        [{"connector_id": connector_id, "aggregate_id": ref, "sent_sequence": 0} for ref in customers])
    rows = session.execute(sa.select(DeliveryLane.aggregate_id, DeliveryLane.sent_sequence,
                                     DeliveryLane.sent_delivery_id)
                           .where(DeliveryLane.connector_id == connector_id,
                                  DeliveryLane.aggregate_id.in_(customers))
                           .order_by(DeliveryLane.aggregate_id).with_for_update()).all()
    return {r.aggregate_id: (r.sent_sequence, r.sent_delivery_id) for r in rows}


def _blocked(session: Session, connector_id: int, by_customer: dict[str, list[Claimed]], ids: set[int],
             now: dt.datetime) -> set[str]:
    """Customers with a delivery in flight outside the claim, or an earlier one left outside it."""
    first_key = {ref: min(c.key for c in claimed) for ref, claimed in by_customer.items()}
    outside = session.execute(
        sa.select(Delivery.aggregate_id, Delivery.status, Delivery.lease_expires_at, Delivery.sequence,
                  Delivery.outbox_event_id)
        .where(Delivery.connector_id == connector_id, Delivery.aggregate_id.in_(list(by_customer)),
               Delivery.status.in_((PENDING, PROCESSING)), Delivery.id.not_in(ids))).all()
    return {r.aggregate_id for r in outside
            if (r.status == PROCESSING and r.lease_expires_at >= now)
            or (r.sequence, r.outbox_event_id) < first_key[r.aggregate_id]}


def _coalesce(claimed: list[Claimed], mark: tuple[int, int | None],
              ignored: dict[int, str]) -> tuple[list[Claimed], tuple[int, int | None]]:
    """One customer's claimed deliveries in lane order → what to send, and the lane's new mark.

    Snapshots collapse into the newest, in the place of the first; the newest
    goes only if no newer snapshot was handed to the remote before.
    """
    snapshots = [c for c in claimed if c.item.event_type == SNAPSHOT_EVENT]
    if not snapshots:
        return claimed, mark
    newest = snapshots[-1]
    sequence = newest.key[0]
    others = [c for c in claimed if c.item.event_type != SNAPSHOT_EVENT]
    if sequence < mark[0]:
        why = f"superseded: a newer snapshot (version {mark[0]}, delivery {mark[1]}) was sent already"
        ignored.update({c.item.delivery_id: why for c in snapshots})
        return others, mark
    ignored.update({c.item.delivery_id: f"coalesced into delivery {newest.item.delivery_id}, a newer snapshot"
                    for c in snapshots[:-1]})
    first = claimed.index(snapshots[0])  # only other events come before it: the same place among `others`
    return others[:first] + [newest] + others[first:], (sequence, newest.item.delivery_id)


def _move_marks(session: Session, connector_id: int, marks: dict[str, tuple[int, int | None]]) -> None:
    if marks:
        lane = DeliveryLane.__table__
        session.execute(lane.update().where(lane.c.connector_id == connector_id,
                                            lane.c.aggregate_id == sa.bindparam("ref"))
                        .values(sent_sequence=sa.bindparam("sequence"), sent_delivery_id=sa.bindparam("delivery"),
                                updated_at=clock.now()),
                        [{"ref": ref, "sequence": s, "delivery": d} for ref, (s, d) in marks.items()])
