"""Delivering one connector's queue: claim, order, coalesce, send, record.

One pass (`dispatch`) loops over batches until nothing is due:

1. Claim up to `batch_size` due deliveries (generic compare-and-set claim with
   a lease), skipping customers whose earlier delivery is still in flight or
   waiting for a retry, so one customer's deliveries leave in order. A claimed
   row that still has an earlier unfinished sibling outside the claim (a
   concurrent worker took it) is given back untouched.
2. Coalesce: several `customer.upserted` of one customer collapse into the
   latest state, sent once; the older rows are marked superseded.
3. Commit, then call the remote in waves (the k-th item of every customer in
   wave k), batching what the connector can batch.
4. Record each item's outcome in a new transaction: done; retry with backoff
   (later items of that customer wait); dead letter with the remote's answer;
   or, on 401/403, pause the connector and give every unsent row back.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from miniapp_api import clock
from miniapp_api.models import Connector, Delivery
from miniapp_api.models.queue import PENDING, PROCESSING

from . import outbox
from .backoff import DEFAULT_SCHEDULE
from .connectors.base import ConnectorClient, ItemResult, Outcome, OutgoingItem
from .connectors.http import RateLimited

COALESCED_EVENT = "customer.upserted"


@dataclasses.dataclass
class Tally:
    """What one pass did, for the sync run record."""

    sent: int = 0
    failed: int = 0
    dead: int = 0
    coalesced: int = 0
    stopped: str | None = None


@dataclasses.dataclass
class Claimed:
    item: OutgoingItem
    attempts: int


def _blocked_by_earlier(now: dt.datetime):
    """An earlier delivery of the same customer is being sent, or waits for its retry."""
    earlier = aliased(Delivery)
    return sa.exists().where(
        earlier.connector_id == Delivery.connector_id, earlier.aggregate_id == Delivery.aggregate_id,
        earlier.id < Delivery.id,
        sa.or_(sa.and_(earlier.status == PENDING, earlier.available_at > now),
               sa.and_(earlier.status == PROCESSING, earlier.lease_expires_at >= now)))


def claim_batch(session: Session, connector_id: int, owner: str, limit: int, lease: dt.timedelta) -> list[Claimed]:
    """Claim due deliveries in customer order; returns them with everything needed to send (committed)."""
    where = sa.and_(Delivery.connector_id == connector_id, ~_blocked_by_earlier(clock.now()))
    ids = outbox.claim(session, Delivery, owner=owner, limit=limit, lease=lease, where=where,
                       order_by=(Delivery.id,))
    if not ids:
        return []
    rows = session.execute(sa.select(Delivery.id, Delivery.event_type, Delivery.aggregate_id, Delivery.payload,
                                     Delivery.attempts).where(Delivery.id.in_(ids)).order_by(Delivery.id)).all()
    overtaking = _overtaking(session, connector_id, ids, {r.aggregate_id for r in rows}, rows)
    if overtaking:
        outbox.release(session, Delivery, sorted(overtaking), owner)
    session.commit()
    return [Claimed(OutgoingItem(r.id, r.event_type, r.aggregate_id, r.payload), r.attempts)
            for r in rows if r.id not in overtaking]


def _overtaking(session: Session, connector_id: int, ids: list[int], customers: set[str], rows) -> set[int]:
    """Claimed rows that have an earlier unfinished sibling outside this claim."""
    first_outside = dict(session.execute(
        sa.select(Delivery.aggregate_id, sa.func.min(Delivery.id))
        .where(Delivery.connector_id == connector_id, Delivery.aggregate_id.in_(customers),
               Delivery.status.in_((PENDING, PROCESSING)), Delivery.id.not_in(ids))
        .group_by(Delivery.aggregate_id)).all())
    return {r.id for r in rows if r.aggregate_id in first_outside and first_outside[r.aggregate_id] < r.id}


def coalesce(claimed: list[Claimed]) -> tuple[list[list[Claimed]], dict[int, int]]:
    """Per-customer sequences in delivery order, and superseded id → the id whose state is sent instead.

    All pending upserts of a customer become one, carrying the latest state,
    in the place of the first (a full snapshot supersedes the ones before it).
    """
    by_customer: dict[str, list[Claimed]] = defaultdict(list)
    for entry in claimed:
        by_customer[entry.item.customer_ref].append(entry)
    sequences, superseded = [], {}
    for entries in by_customer.values():
        upserts = [e for e in entries if e.item.event_type == COALESCED_EVENT]
        if len(upserts) > 1:
            latest = upserts[-1]
            superseded.update({e.item.delivery_id: latest.item.delivery_id for e in upserts[:-1]})
            first = entries.index(upserts[0])
            entries = [e for e in entries if e.item.delivery_id not in superseded and e is not latest]
            entries.insert(first, latest)
        sequences.append(entries)
    return sequences, superseded


class Dispatcher:
    """Sends one connector's due deliveries through its client."""

    def __init__(self, session: Session, connector: Connector, client: ConnectorClient, owner: str, *,
                 lease: dt.timedelta = outbox.LEASE, schedule: tuple[float, ...] = DEFAULT_SCHEDULE):
        self.session, self.client, self.owner = session, client, owner
        self.connector_id = connector.id
        self.batch_size = max(1, connector.batch_size)
        self.batch_calls = connector.batch_calls
        self.lease, self.schedule = lease, schedule
        self.tally = Tally()

    def run(self, max_batches: int | None = None) -> Tally:
        """Send batches until nothing is due, the connector pauses, or the rate limit asks for a long wait."""
        batches = 0
        while self.tally.stopped is None and (max_batches is None or batches < max_batches):
            claimed = claim_batch(self.session, self.connector_id, self.owner, self.batch_size, self.lease)
            if not claimed:
                break
            self._deliver(claimed)
            batches += 1
        return self.tally

    def _deliver(self, claimed: list[Claimed]) -> None:
        sequences, superseded = coalesce(claimed)
        for old, kept in superseded.items():
            outbox.ignore(self.session, Delivery, old, self.owner, f"coalesced into delivery {kept}")
        self.session.commit()
        self.tally.coalesced += len(superseded)
        by_id = {c.item.delivery_id: c for c in claimed}
        send_until = clock.now() + self.lease * 0.8  # never call out on a lease about to lapse
        for wave in range(max(len(s) for s in sequences)):
            if clock.now() >= send_until:
                break
            items = [s[wave].item for s in sequences if len(s) > wave]
            results = self._send_wave(items)
            held_back = self._record(results, by_id)
            sequences = [s for s in sequences if s[0].item.customer_ref not in held_back]
            if self.tally.stopped:
                break
        leftover = [c.item.delivery_id for c in claimed if c.item.delivery_id not in superseded]
        outbox.release(self.session, Delivery, leftover, self.owner)  # only rows still leased: unsent ones
        self.session.commit()

    def _send_wave(self, items: list[OutgoingItem]) -> list[ItemResult]:
        client = self.client
        batchable = [i for i in items if i.event_type in client.batchable_events] if self.batch_calls else []
        singles = [i for i in items if i not in batchable]
        chunk = min(client.max_batch, self.batch_size)
        calls = [(client.send_batch, batchable[n:n + chunk]) for n in range(0, len(batchable), chunk)]
        calls += [(lambda one: [client.send(one[0])], [item]) for item in singles]
        results: list[ItemResult] = []
        for call, group in calls:
            try:
                results.extend(call(group))
            except RateLimited as exc:
                self.tally.stopped = f"rate limited: {exc}"
                break
            if any(r.outcome is Outcome.AUTH for r in results):
                break
        return results

    def _record(self, results: list[ItemResult], claimed: dict[int, Claimed]) -> set[str]:
        """Settle each result; returns customers whose later items must wait (a retry is pending)."""
        held_back: set[str] = set()
        done = [r.delivery_id for r in results if r.outcome is Outcome.SENT]
        outbox.complete_many(self.session, Delivery, done, self.owner)
        self.tally.sent += len(done)
        for result in results:
            if result.outcome is Outcome.SENT:
                continue
            if result.outcome is Outcome.AUTH:
                self._pause(result.detail)
                continue
            status = outbox.fail(self.session, Delivery, result.delivery_id, self.owner, result.detail,
                                 attempts=claimed[result.delivery_id].attempts,
                                 permanent=result.outcome is Outcome.REJECTED, retry_after=result.retry_after,
                                 schedule=self.schedule, extra={"response_body": result.response_body})
            self.tally.dead += status != PENDING
            self.tally.failed += status == PENDING
            if status == PENDING:
                held_back.add(claimed[result.delivery_id].item.customer_ref)
        self.session.commit()
        return held_back

    def _pause(self, detail: str) -> None:
        reason = (f"paused {clock.now():%Y-%m-%d %H:%M} UTC: the remote refused our credentials ({detail[:200]}); "
                  "fix them with `flask connectors add` and run `flask connectors enable`")
        self.session.execute(sa.update(Connector).where(Connector.id == self.connector_id)
                             .values(paused_reason=reason[:500]))
        self.tally.stopped = "paused: credentials refused"
