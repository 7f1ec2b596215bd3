"""The durable queue every side effect goes through.

Rows are written in the caller's transaction (`enqueue_event`), claimed
atomically in batches with a lease (`claim`), and settled with `complete`,
`fail` (retry with backoff, or dead letter after the last attempt), `ignore`
or `replay`. The functions work on any model mixing in `QueueMixin`: the
outbox, the webhook inbox, CRM deliveries and outbound Zalo messages share
this one mechanism.

Claiming is one compare-and-set `UPDATE … RETURNING`; on PostgreSQL the
candidate rows are picked `FOR UPDATE SKIP LOCKED` so concurrent workers do
not queue behind each other. A row whose lease expired (its worker died) is
claimable again; `attempts` is counted at claim time so a row that crashes
every worker still ends in dead letter.
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from miniapp_api import clock
from miniapp_api.models.outbox import OutboxEvent
from miniapp_api.models.queue import DEAD, DONE, IGNORED, PENDING, PROCESSING

from .backoff import DEFAULT_SCHEDULE, next_delay


def enqueue_event(session: Session, event_type: str, aggregate_type: str, aggregate_id: str,
                  payload: dict) -> OutboxEvent:
    """Record a domain event in the caller's transaction; it commits or rolls back with it."""
    now = clock.now()
    event = OutboxEvent(event_type=event_type, aggregate_type=aggregate_type,
                        aggregate_id=aggregate_id, payload=payload, created_at=now,
                        available_at=now, status=PENDING)
    session.add(event)
    return event


def _claimable(model, now: dt.datetime):
    return sa.or_(
        sa.and_(model.status == PENDING, model.available_at <= now),
        sa.and_(model.status == PROCESSING, model.lease_expires_at < now),
    )


def claim(session: Session, model, *, owner: str, limit: int = 100,
          lease: dt.timedelta = dt.timedelta(minutes=5), where=None, order_by=None) -> list[int]:
    """Atomically lease up to `limit` due rows to `owner`; returns their ids.

    Commits, so the lease is visible to other workers before any outbound call.
    """
    now = clock.now()
    candidates = sa.select(model.id).where(_claimable(model, now))
    if where is not None:
        candidates = candidates.where(where)
    candidates = candidates.order_by(*(order_by or (model.available_at, model.id))).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # A locking CTE runs exactly once; an `IN (subquery … LIMIT)` may be
        # re-evaluated by the planner and lease more than `limit` rows.
        picked = candidates.with_for_update(skip_locked=True).cte("claim_candidates")
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
    session.commit()
    return ids


def run_claimed(session: Session, model, handle, *, owner: str, limit: int = 50,
                lease: dt.timedelta = dt.timedelta(minutes=2)) -> int:
    """Claim due rows in id order and pass each id to `handle`, which settles it; returns how many."""
    ids = claim(session, model, owner=owner, limit=limit, lease=lease, order_by=(model.id,))
    for row_id in ids:
        handle(row_id)
    return len(ids)


def _settle(session: Session, model, row_id: int, owner: str, **values) -> bool:
    """Update a leased row only if `owner` still holds the lease (it may have expired)."""
    result = session.execute(
        sa.update(model)
        .where(model.id == row_id, model.status == PROCESSING, model.leased_by == owner)
        .values(lease_expires_at=None, leased_by=None, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def complete(session: Session, model, row_id: int, owner: str) -> bool:
    """Mark a leased row done (in the caller's transaction)."""
    return _settle(session, model, row_id, owner, status=DONE, finished_at=clock.now(), last_error=None)


def ignore(session: Session, model, row_id: int, owner: str, reason: str) -> bool:
    """Mark a leased row as deliberately not processed, keeping why."""
    return _settle(session, model, row_id, owner, status=IGNORED, finished_at=clock.now(), last_error=reason)


def fail(session: Session, model, row_id: int, owner: str, error: str, *, attempts: int,
         permanent: bool = False, retry_after: float | None = None,
         schedule: tuple[float, ...] = DEFAULT_SCHEDULE, rng: random.Random | None = None) -> str:
    """Record a failed attempt: schedule a retry, or bury the row as dead. Returns the new status."""
    delay = None if permanent else next_delay(attempts, schedule, retry_after=retry_after, rng=rng)
    now = clock.now()
    if delay is None:
        _settle(session, model, row_id, owner, status=DEAD, finished_at=now, last_error=error[:4000])
        return DEAD
    _settle(session, model, row_id, owner, status=PENDING, last_error=error[:4000],
            available_at=now + dt.timedelta(seconds=delay))
    return PENDING


def replay(session: Session, model, ids=None) -> int:
    """Put dead rows (all, or the given ids) back in the queue with a fresh attempt count."""
    statement = sa.update(model).where(model.status == DEAD)
    if ids is not None:
        statement = statement.where(model.id.in_(list(ids)))
    result = session.execute(
        statement.values(status=PENDING, attempts=0, available_at=clock.now(), finished_at=None)
        .execution_options(synchronize_session=False))
    return result.rowcount
