"""The one durable-queue mechanism: atomic claims, leases, retries, dead letter, replay."""
import datetime as dt
import random
import threading

import sqlalchemy as sa
from sqlalchemy.orm import Session

from miniapp_api import queue
from miniapp_api.queue.backoff import DEFAULT_SCHEDULE, next_delay, parse_retry_after
from miniapp_api.extensions import db
from miniapp_api.models import OutboxEvent
from miniapp_api.models.queue import DEAD, DONE, PENDING


def _enqueue(app, n):
    with app.app_context():
        for i in range(n):
            queue.enqueue_event(db.session, "customer.upserted", "customer", f"cus_{i}", {"i": i})
        db.session.commit()


def _statuses(app):
    with app.app_context():
        return db.session.execute(sa.select(OutboxEvent.status, OutboxEvent.attempts).order_by(OutboxEvent.id)).all()


def test_claim_leases_due_rows_once(app, frozen_clock):
    _enqueue(app, 3)
    with app.app_context():
        first = queue.claim(db.session, OutboxEvent, owner="w1", limit=2)
        second = queue.claim(db.session, OutboxEvent, owner="w2", limit=10)
        third = queue.claim(db.session, OutboxEvent, owner="w3", limit=10)
    assert len(first) == 2 and len(second) == 1 and third == []
    assert not set(first) & set(second)


def test_expired_lease_is_reclaimed_after_a_crash(app, frozen_clock):
    _enqueue(app, 1)
    with app.app_context():
        [row_id] = queue.claim(db.session, OutboxEvent, owner="crashed", lease=dt.timedelta(minutes=5))
        # the worker dies here: no complete, no fail
        frozen_clock.advance(minutes=4)
        assert queue.claim(db.session, OutboxEvent, owner="w2") == []
        frozen_clock.advance(minutes=2)
        assert queue.claim(db.session, OutboxEvent, owner="w2") == [row_id]
        # the crashed worker waking up late cannot settle a row it no longer holds
        assert queue.complete(db.session, OutboxEvent, row_id, "crashed") is False
        assert queue.complete(db.session, OutboxEvent, row_id, "w2") is True
        db.session.commit()
    assert _statuses(app) == [(DONE, 2)]


def test_failures_follow_the_schedule_then_dead_letter_then_replay(app, frozen_clock):
    _enqueue(app, 1)
    schedule = (5, 60)
    with app.app_context():
        for attempt, delay in enumerate(schedule, start=1):
            [row_id] = queue.claim(db.session, OutboxEvent, owner="w")
            status = queue.fail(db.session, OutboxEvent, row_id, "w", "HTTP 500", attempts=attempt,
                                schedule=schedule, rng=random.Random(1))
            db.session.commit()
            assert status == PENDING
            assert queue.claim(db.session, OutboxEvent, owner="w") == []  # not due yet
            frozen_clock.advance(seconds=delay * 1.2)
        [row_id] = queue.claim(db.session, OutboxEvent, owner="w")
        assert queue.fail(db.session, OutboxEvent, row_id, "w", "HTTP 500", attempts=3, schedule=schedule) == DEAD
        db.session.commit()
        event = db.session.get(OutboxEvent, row_id)
        assert (event.status, event.last_error) == (DEAD, "HTTP 500")
        assert queue.replay(db.session, OutboxEvent) == 1
        db.session.commit()
    assert _statuses(app) == [(PENDING, 0)]


def test_permanent_failure_is_dead_at_once(app, frozen_clock):
    _enqueue(app, 1)
    with app.app_context():
        [row_id] = queue.claim(db.session, OutboxEvent, owner="w")
        assert queue.fail(db.session, OutboxEvent, row_id, "w", "HTTP 422", attempts=1, permanent=True) == DEAD


def test_concurrent_claimers_never_share_a_row(app):
    _enqueue(app, 200)
    claimed: list[list[int]] = []
    with app.app_context():
        bind = db.engine

    def worker(name):
        mine = []
        with Session(bind) as session:
            while ids := queue.claim(session, OutboxEvent, owner=name, limit=7):
                mine.extend(ids)
        claimed.append(mine)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [i for ids in claimed for i in ids]
    assert len(every) == 200 and len(set(every)) == 200


def test_backoff_schedule_and_retry_after():
    assert next_delay(1, jitter=0) == DEFAULT_SCHEDULE[0]
    assert next_delay(len(DEFAULT_SCHEDULE) + 1) is None
    assert 4.5 <= next_delay(1, rng=random.Random(3)) <= 5.5
    assert next_delay(1, jitter=0, retry_after=120) == 120
    now = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    assert parse_retry_after("30", now) == 30
    assert parse_retry_after("Sun, 01 Nov 2026 00:01:00 GMT", now) == 60
    assert parse_retry_after("soon", now) is None
