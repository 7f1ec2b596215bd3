"""Short leases kept alive by a heartbeat: a live worker's long batch is never taken over; a dead
worker's rows are claimable again `queue.LEASE` after its last beat, in every queue."""
import datetime as dt
import time

import sqlalchemy as sa

from miniapp_api import queue
from miniapp_api.queue.heartbeat import Heartbeat
from miniapp_api import clock
from miniapp_api.extensions import db
from miniapp_api.models import Delivery, InitialSync, OaOutbound, OutboxEvent, WebhookEvent, ZnsMessage
from miniapp_api.models.queue import PROCESSING


def _queue_work(app, n=2):
    """`n` outbox events and `n` OA calls, due now."""
    with app.app_context():
        for i in range(n):
            queue.enqueue_event(db.session, "customer.upserted", "customer", f"cus_{i}", {"i": i})
            db.session.add(OaOutbound(kind="user_detail", oa_user_id=f"u{i}", payload={}, reason="enrichment",
                                      created_at=clock.now(), available_at=clock.now(), status="pending"))
        db.session.commit()


def _claim(app, owner, limit=1):
    with app.app_context():
        return {model.__name__: queue.claim(db.session, model, owner=owner, limit=limit)
                for model in (OutboxEvent, OaOutbound)}


def _holders(app):
    with app.app_context():
        return {model.__name__: db.session.execute(sa.select(model.id, model.leased_by).where(
            model.status == PROCESSING).order_by(model.id)).all() for model in (OutboxEvent, OaOutbound)}


def test_every_queue_is_covered_by_the_heartbeat(app):
    assert set(queue.queue_models()) == {Delivery, InitialSync, OaOutbound, OutboxEvent, WebhookEvent, ZnsMessage}


def test_a_live_workers_long_batch_is_not_taken_over(app, frozen_clock):
    _queue_work(app)
    alive = _claim(app, "alive")
    dead = _claim(app, "dead")
    heart = Heartbeat(app, "alive")
    for _ in range(8):  # two minutes of a batch still running, far beyond the lease
        frozen_clock.advance(seconds=15)
        assert heart.beat() == 2
    rescued = _claim(app, "rescuer", limit=10)
    assert rescued == dead, "only the dead worker's rows are taken over"
    assert _holders(app) == {name: [(alive[name][0], "alive"), (dead[name][0], "rescuer")] for name in alive}
    with app.app_context():
        assert queue.complete(db.session, OutboxEvent, alive["OutboxEvent"][0], "alive")
        db.session.commit()


def test_a_dead_workers_rows_are_reclaimed_after_the_short_lease(app, frozen_clock):
    _queue_work(app, n=1)
    claimed = _claim(app, "dead")
    Heartbeat(app, "dead").beat()  # its last beat
    frozen_clock.advance(seconds=queue.LEASE.total_seconds() - 1)
    assert _claim(app, "rescuer") == {"OutboxEvent": [], "OaOutbound": []}
    frozen_clock.advance(seconds=2)
    assert _claim(app, "rescuer") == claimed
    assert queue.LEASE <= dt.timedelta(seconds=30)
    # the dead worker's heartbeat, were it to come back, renews nothing it no longer holds
    assert Heartbeat(app, "dead").beat() == 0


def test_the_heartbeat_thread_renews_until_stopped(app, frozen_clock):
    _queue_work(app, n=1)
    [row_id] = _claim(app, "w")["OutboxEvent"]
    frozen_clock.advance(seconds=15)
    expected = frozen_clock.now() + queue.LEASE

    def lease_end():
        with app.app_context():
            return db.session.get(OutboxEvent, row_id).lease_expires_at

    with Heartbeat(app, "w", interval=dt.timedelta(milliseconds=10)):
        deadline = time.monotonic() + 10
        while lease_end() != expected and time.monotonic() < deadline:
            time.sleep(0.01)
    assert lease_end() == expected
    frozen_clock.advance(seconds=queue.LEASE.total_seconds() + 1)
    assert _claim(app, "rescuer")["OutboxEvent"] == [row_id], "a stopped heartbeat lets the lease lapse"
