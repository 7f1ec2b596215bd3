"""Delivering one connector's queue: claim, order, coalesce, send, record.

One pass (`Dispatcher.run`) loops over batches until nothing is due:

1. Claim and decide (`lanes.claim_lanes`): up to `batch_size` due deliveries
   plus every other due delivery of their customers; per customer, in the
   events' own order, snapshots coalesced into the newest, nothing older
   than what the remote may already hold, and a customer whose delivery is in
   flight elsewhere or waits for a retry given back untouched. Committed.
2. Call the remote in waves (the k-th item of every customer in wave k),
   batching what the connector can batch.
3. Record each item's outcome in a new transaction: done; retry with backoff
   (later items of that customer wait); dead letter with the remote's answer;
   or, on 401/403, pause the connector and give every unsent row back.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from miniapp_api import clock
from miniapp_api.models import Connector, Delivery
from miniapp_api.models.queue import PENDING

from miniapp_api import queue
from miniapp_api.queue.backoff import DEFAULT_SCHEDULE
from .connectors.base import ConnectorClient, ItemResult, Outcome, OutgoingItem
from .connectors.http import RateLimited
from .lanes import Claimed, claim_lanes


@dataclasses.dataclass
class Tally:
    """What one pass did, for the sync run record."""

    sent: int = 0
    failed: int = 0
    dead: int = 0
    coalesced: int = 0
    stopped: str | None = None


class Dispatcher:
    """Sends one connector's due deliveries through its client."""

    def __init__(self, session: Session, connector: Connector, client: ConnectorClient, owner: str, *,
                 lease: dt.timedelta = queue.LEASE, schedule: tuple[float, ...] = DEFAULT_SCHEDULE):
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
            decision = claim_lanes(self.session, self.connector_id, self.owner, self.batch_size, self.lease)
            self.tally.coalesced += len(decision.ignored)
            if not decision.lanes:
                if decision.ignored:
                    continue  # everything claimed was superseded: look again
                break
            self._deliver(decision.lanes)
            batches += 1
        return self.tally

    def _deliver(self, sequences: list[list[Claimed]]) -> None:
        by_id = {c.item.delivery_id: c for s in sequences for c in s}
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
        leftover = list(by_id)
        queue.release(self.session, Delivery, leftover, self.owner)  # only rows still leased: unsent ones
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
        queue.complete_many(self.session, Delivery, done, self.owner)
        self.tally.sent += len(done)
        for result in results:
            if result.outcome is Outcome.SENT:
                continue
            if result.outcome is Outcome.AUTH:
                self._pause(result.detail)
                continue
            status = queue.fail(self.session, Delivery, result.delivery_id, self.owner, result.detail,
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
