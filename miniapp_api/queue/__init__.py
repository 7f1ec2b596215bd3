"""The durable queue every side effect goes through.

Rows are written in the caller's transaction (`enqueue_event`, numbering each
event in its aggregate's commit order with `next_sequence`), claimed
atomically in batches with a lease (`claim`), and settled with `complete`,
`fail` (retry with backoff, or dead letter after the last attempt), `ignore`
or `replay`. The functions work on any model mixing in `QueueMixin`: the
outbox, the webhook inbox, CRM deliveries and outbound Zalo messages share
this one mechanism.

Claiming is one compare-and-set `UPDATE … RETURNING`; on PostgreSQL the
candidate rows are picked `FOR UPDATE SKIP LOCKED` so concurrent workers do
not queue behind each other.

Leases are short (`LEASE`) and kept alive by a heartbeat: a live process
renews the leases of every row it holds (`renew`, run by `heartbeat.Heartbeat`
every `LEASE / 4`), so a long batch is never taken over, while a dead
process's rows become claimable again at most `LEASE` after its last beat.
`attempts` is counted at claim time so a row that crashes every worker still
ends in dead letter. Whoever queues work also wakes the workers (`wakeup`), so
they claim it at once instead of at their next poll.
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from miniapp_api import clock
from miniapp_api.models.customer import Customer
from miniapp_api.models.outbox import OutboxEvent
from miniapp_api.models.queue import DEAD, DONE, IGNORED, PENDING, PROCESSING

from . import wakeup
from .backoff import DEFAULT_SCHEDULE, next_delay

# How long a claim holds without a heartbeat: the bound on recovering a dead worker's rows.
LEASE = dt.timedelta(seconds=20)
HEARTBEAT_INTERVAL = LEASE / 4  # three beats may be missed (a busy database) before a live lease lapses


def enqueue_event(session: Session, event_type: str, aggregate_type: str, aggregate_id: str,
                  payload: dict, *, sequence: int | None = None) -> OutboxEvent:
    """Record a domain event in the caller's transaction; it commits or rolls back with it.

    `sequence` is the event's position among its aggregate's events (taken
    with `next_sequence` unless the caller took it already).
    """
    if sequence is None:
        sequence = next_sequence(session, aggregate_type, aggregate_id)
    now = clock.now()
    event = OutboxEvent(event_type=event_type, aggregate_type=aggregate_type,
                        aggregate_id=aggregate_id, sequence=sequence, payload=payload, created_at=now,
                        available_at=now, status=PENDING)
    session.add(event)
    wakeup.notify(session, wakeup.OUTBOX)
    return event


def next_sequence(session: Session, aggregate_type: str, aggregate_id: str, count: int = 1, *,
                  flush: bool = True) -> int:
    """The aggregate's next event number, in commit order; 0 for aggregates without a version.

    Incrementing `customer.version` locks the customer's row until the caller
    commits, so two transactions writing events about one customer number them
    in the order they commit (PostgreSQL); SQLite has one writer at a time.
    `count` numbers that many events at once: the last number is returned, the
    others are the `count - 1` before it. `flush=False` leaves the session's
    pending changes for a later flush: for a caller whose customer row is
    already in the database (only its version is written here), so that the
    rest of its transaction is written by one flush.
    """
    if aggregate_type != "customer":
        return 0
    if flush:
        session.flush()
    with session.no_autoflush:
        version = session.execute(
            sa.update(Customer).where(Customer.ref == aggregate_id)
            .values(version=Customer.version + count, updated_at=Customer.updated_at)  # not an edit of the profile
            .returning(Customer.version).execution_options(synchronize_session=False)).scalar()
    return version or 0


def next_customer_sequences(session: Session, customer_ids: list[int]) -> dict[int, int]:
    """`next_sequence` for many customers in one statement (a page of the initial sync): id → its number."""
    session.flush()
    return dict(session.execute(
        sa.update(Customer).where(Customer.id.in_(customer_ids))
        .values(version=Customer.version + 1, updated_at=Customer.updated_at)
        .returning(Customer.id, Customer.version).execution_options(synchronize_session=False)).all())


def _claimable(model, now: dt.datetime):
    return sa.or_(
        sa.and_(model.status == PENDING, model.available_at <= now),
        sa.and_(model.status == PROCESSING, model.lease_expires_at < now),
    )


def claim(session: Session, model, *, owner: str, limit: int = 100,
          lease: dt.timedelta = LEASE, where=None, order_by=None, commit: bool = True) -> list[int]:
    """Atomically lease up to `limit` due rows to `owner`; returns their ids.

    Commits, so the lease is visible to other workers before any outbound call
    (`commit=False` when the caller claims inside a larger decision it commits).
    """
    now = clock.now()
    candidates = sa.select(model.id).where(_claimable(model, now))
    if where is not None:
        candidates = candidates.where(where)
    candidates = candidates.order_by(*(order_by or (model.available_at, model.id))).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # A locking CTE runs exactly once; an `IN (subquery … LIMIT)` may be
        # re-evaluated by the planner and lease more than `limit` rows. `of=model`
        # locks only the queue's rows when `where` joins other tables.
        picked = candidates.with_for_update(skip_locked=True, of=model).cte("claim_candidates")
        chosen = model.id == picked.c.id
    else:
        chosen = model.id.in_(candidates.scalar_subquery())  # SQLite holds the write lock already
    statement = (
        sa.update(model)
        .where(chosen)
        .where(_claimable(model, now))
        .values(status=PROCESSING, leased_by=owner, lease_expires_at=now + lease,
                attempts=model.attempts + 1)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    )
    ids = sorted(session.scalars(statement).all())
    if commit:
        session.commit()
    return ids


def run_claimed(session: Session, model, handle, *, owner: str, limit: int = 50,
                lease: dt.timedelta = LEASE) -> int:
    """Claim due rows in id order and pass each id to `handle`, which settles it; returns how many."""
    ids = claim(session, model, owner=owner, limit=limit, lease=lease, order_by=(model.id,))
    for row_id in ids:
        handle(row_id)
    return len(ids)


def queue_models() -> list[type]:
    """Every mapped table that mixes in `QueueMixin` (outbox, inbox, deliveries, OA calls, ...)."""
    from miniapp_api.extensions import db
    from miniapp_api.models.queue import QueueMixin

    return sorted((m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, QueueMixin)),
                  key=lambda model: model.__tablename__)


def renew(session: Session, owner: str, lease: dt.timedelta = LEASE) -> int:
    """Extend the lease of every row `owner` holds, in every queue; returns how many.

    Commits after each queue, so a beat never holds row locks in two tables at
    once (no lock-order deadlock with a job settling rows). Only rows still
    leased to `owner` are touched: one another worker took over after a lapse
    stays with that worker.
    """
    until = clock.now() + lease
    renewed = 0
    for model in queue_models():
        result = session.execute(
            sa.update(model).where(model.status == PROCESSING, model.leased_by == owner)
            .values(lease_expires_at=until).execution_options(synchronize_session=False))
        session.commit()
        renewed += result.rowcount
    return renewed


def _settle(session: Session, model, row_ids: list[int], owner: str, **values) -> list[int]:
    """Update leased rows only where `owner` still holds the lease (it may have expired, or the row was
    cancelled); returns the ids updated."""
    return list(session.scalars(
        sa.update(model)
        .where(model.id.in_(row_ids), model.status == PROCESSING, model.leased_by == owner)
        .values(lease_expires_at=None, leased_by=None, **values)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    ))


def still_held(row, owner: str) -> bool:
    """The row is still leased to `owner` (not cancelled, not re-claimed after its lease ran out)."""
    return row is not None and row.status == PROCESSING and row.leased_by == owner


def complete(session: Session, model, row_id: int, owner: str) -> bool:
    """Mark a leased row done (in the caller's transaction)."""
    return complete_many(session, model, [row_id], owner) == 1


def complete_many(session: Session, model, row_ids: list[int], owner: str) -> int:
    """Mark several leased rows done in one statement; returns how many were still ours."""
    return len(complete_held(session, model, row_ids, owner))


def complete_held(session: Session, model, row_ids: list[int], owner: str) -> list[int]:
    """Mark the rows still leased to `owner` done; returns their ids (on PostgreSQL they stay locked
    until commit, so whoever wants to cancel them waits for this transaction)."""
    return _settle(session, model, row_ids, owner, status=DONE, finished_at=clock.now(), last_error=None)


def ignore(session: Session, model, row_id: int, owner: str, reason: str) -> bool:
    """Mark a leased row as deliberately not processed, keeping why."""
    return ignore_many(session, model, [row_id], owner, reason) == 1


def ignore_many(session: Session, model, row_ids: list[int], owner: str, reason: str) -> int:
    return len(_settle(session, model, row_ids, owner, status=IGNORED, finished_at=clock.now(), last_error=reason))


def release(session: Session, model, row_ids: list[int], owner: str) -> int:
    """Give back leased rows that were not attempted; the claim does not count as an attempt."""
    return len(_settle(session, model, row_ids, owner, status=PENDING, attempts=model.attempts - 1))


def defer(session: Session, model, row_ids: list[int], owner: str, until: dt.datetime, reason: str) -> int:
    """Give back leased rows to be tried again at `until`, the claim not counted as an attempt: the remote had no
    room for them yet (a daily quota spent), which is no fault of theirs and must not bring them nearer dead letter."""
    return len(_settle(session, model, row_ids, owner, status=PENDING, attempts=model.attempts - 1,
                       available_at=until, last_error=reason[:4000]))


def fail(session: Session, model, row_id: int, owner: str, error: str, *, attempts: int,
         permanent: bool = False, retry_after: float | None = None,
         schedule: tuple[float, ...] = DEFAULT_SCHEDULE, rng: random.Random | None = None,
         extra: dict | None = None) -> str:
    """Record a failed attempt: schedule a retry, or bury the row as dead. Returns the new status.

    `extra` sets more columns of the row (a delivery keeps the remote's response body).
    """
    extra = extra or {}
    delay = None if permanent else next_delay(attempts, schedule, retry_after=retry_after, rng=rng)
    now = clock.now()
    if delay is None:
        _settle(session, model, [row_id], owner, status=DEAD, finished_at=now, last_error=error[:4000], **extra)
        return DEAD
    _settle(session, model, [row_id], owner, status=PENDING, last_error=error[:4000],
            available_at=now + dt.timedelta(seconds=delay), **extra)
    return PENDING


def replay(session: Session, model, ids=None, where=None) -> int:
    """Put dead rows (all, the given ids, or those matching `where`) back in the queue, attempts reset."""
    return _update_dead(session, model, ids, where, status=PENDING, attempts=0, available_at=clock.now(),
                        finished_at=None)


def discard(session: Session, model, reason: str, ids=None, where=None) -> int:
    """Give up on dead rows for good (an operator decided), keeping the reason."""
    return _update_dead(session, model, ids, where, status=IGNORED, last_error=reason, finished_at=clock.now())


def _update_dead(session: Session, model, ids, where, **values) -> int:
    statement = sa.update(model).where(model.status == DEAD)
    if ids is not None:
        statement = statement.where(model.id.in_(list(ids)))
    if where is not None:
        statement = statement.where(where)
    result = session.execute(statement.values(**values).execution_options(synchronize_session=False))
    return result.rowcount
