"""Wake-ups: queued work reaches a real worker at once, not at its poll; a lost wake-up costs only the poll;
a burst is a few runs; two woken workers never send twice; on SQLite (local socket) and PostgreSQL (NOTIFY).

The worker tests poll once an hour (WORKER_POLL_SECONDS=3600) and allow 20 s per step, so only a wake-up
can make them pass; each sends its work one item after the other, after the worker is listening, so the
worker's first run at start-up can account for one item at most."""
import dataclasses
import datetime as dt
import os
import socket
import threading

import pytest
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Customer, OaContact, OaOutbound
from miniapp_api.queue import wakeup
from miniapp_api.queue.announcer import APPLICATION_NAME, Announcer, announcer as announcer_for
from miniapp_api.queue.listener import listener_for
from miniapp_api.services.oa.outbound import queue_text_message
from miniapp_api.worker import build_scheduler
from miniapp_api.worker_wake import Wakeable
from crm_sync.fanout import DELIVERIES
from miniapp_api.zalo.oauth import TokenPair
from tests.oa_helpers import customer_says
from tests.sync_helpers import add_shopone, applied_refs, new_customer, phones
from tests.worker_helpers import LISTENING, STARTED, Worker, wait_until

HOUR = 3600
PRICE_REPLY = "Giá từ 100.000đ ạ."


@pytest.fixture
def shop(app, zalo, runner):
    """The OA connected (on the real clock: the worker runs in its own process) with a price rule."""
    access, refresh = zalo.issue_oa_tokens()
    with app.app_context():
        app.extensions["oa_tokens"].save_pair(TokenPair(access, refresh, 90000), source="test")
    result = runner.invoke(args=["rules", "add", "--name", "price", "--pattern", "gia", "--reply", PRICE_REPLY])
    assert result.exit_code == 0, result.output
    return zalo


@pytest.fixture
def workers(app, tmp_path):
    """Start workers with `start(**settings)`; each is stopped (SIGTERM) at the end of the test."""
    started = []

    def start(**settings):
        worker = Worker(app, tmp_path / f"worker-{len(started)}.log", **settings)
        started.append(worker)
        worker.wait_for_line(STARTED)
        return worker
    yield start
    for worker in started:
        worker.stop()


def _replies_to(zalo, user) -> list[str]:
    return [m["message"].get("text") for m in zalo.sent_messages if m["user_id"] == user.oa_user_id]


def test_customer_messages_and_staff_replies_go_out_on_a_wakeup_not_at_the_poll(app, client, shop, workers):
    worker = workers(WORKER_POLL_SECONDS=HOUR)
    worker.wait_for_line(LISTENING)
    for n in range(3):
        user = shop.create_user(f"Khách {n}")
        customer_says(client, shop, user, "text", text="Giá bao nhiêu vậy shop?")
        wait_until(lambda: _replies_to(shop, user) == [PRICE_REPLY], explain=worker.output)

    with app.app_context():
        customer_id = db.session.scalar(sa.select(OaContact.customer_id).where(OaContact.oa_user_id == user.oa_user_id))
        db.session.remove()
    for n in range(2):  # what a staff reply queues (the inbox API calls the same function)
        text = f"Dạ, shop kiểm tra giúp bạn ({n})."
        with app.app_context():
            queue_text_message(db.session, db.session.get(Customer, customer_id), text, reason="staff_reply")
            db.session.commit()
            db.session.remove()
        wait_until(lambda: text in _replies_to(shop, user), explain=worker.output)


def test_an_immediate_connector_gets_new_customers_on_a_wakeup(app, shopone, workers):
    add_shopone(app, shopone, schedule="immediate")
    worker = workers(WORKER_POLL_SECONDS=HOUR)
    worker.wait_for_line(LISTENING)
    for phone in phones(3):
        ref = new_customer(app, phone)  # outbox event → fan-out → delivery → the connector's sync
        wait_until(lambda: ref in applied_refs(shopone), explain=worker.output)


def test_woken_jobs_poll_every_worker_poll_seconds_and_immediate_connectors_listen_for_crm_work(app, shopone):
    add_shopone(app, shopone, schedule="immediate")
    add_shopone(app, shopone, name="nightly", schedule="0 2 * * *")
    app.config["WORKER_POLL_SECONDS"] = 30
    jobs = {job.id: job for job in build_scheduler(app).get_jobs()}
    assert jobs["oa-inbox"].func.channels == {wakeup.OA_INBOX}
    assert jobs["oa-outbound"].func.channels == {wakeup.OA_OUTBOUND}
    assert jobs["oa-inbox"].trigger.interval == dt.timedelta(seconds=30)
    assert jobs["crm-sync:shopone"].func.channels == {wakeup.OUTBOX, DELIVERIES}
    assert jobs["crm-sync:shopone"].trigger.interval == dt.timedelta(seconds=30)
    assert not isinstance(jobs["crm-sync:nightly"].func, Wakeable)  # batches on purpose
    assert not isinstance(jobs["crm-fan-out"].func, Wakeable)


def test_lost_wakeups_fall_back_to_the_poll(app, client, shop, workers):
    lossy = app.extensions[wakeup.EXTENSION]
    app.extensions[wakeup.EXTENSION] = dataclasses.replace(lossy, enabled=False)  # the web side sends none
    worker = workers(WORKER_POLL_SECONDS=1)
    worker.wait_for_line(LISTENING)
    for n in range(3):
        user = shop.create_user(f"Khách {n}")
        customer_says(client, shop, user, "text", text="Giá bao nhiêu vậy shop?")
        wait_until(lambda: _replies_to(shop, user) == [PRICE_REPLY], explain=worker.output)


def test_two_woken_workers_send_each_reply_once(app, client, shop, workers):
    pair = [workers(WORKER_POLL_SECONDS=HOUR) for _ in range(2)]
    for worker in pair:
        worker.wait_for_line(LISTENING)
    users = [shop.create_user(f"Khách {n}") for n in range(12)]
    for user in users:  # a burst: nobody waits for the replies
        customer_says(client, shop, user, "text", text="Giá bao nhiêu vậy shop?")

    def settled() -> bool:
        with app.app_context():
            busy = db.session.scalar(sa.select(sa.func.count()).select_from(OaOutbound)
                                     .where(OaOutbound.status.in_(("pending", "processing"))))
            db.session.remove()
        return len(shop.sent_messages) >= len(users) and busy == 0

    wait_until(settled, seconds=120, explain=lambda: pair[0].output()[-1500:] + pair[1].output()[-1500:])
    assert sorted(m["user_id"] for m in shop.sent_messages) == sorted(u.oa_user_id for u in users)
    assert {m["message"]["text"] for m in shop.sent_messages} == {PRICE_REPLY}


class _Recorder:
    """`on_wake` for an in-process listener: records every channel, wakes `job` for `channel`."""

    def __init__(self, job: Wakeable | None = None, channel: str = "test-work"):
        self.job, self.channel, self.seen = job, channel, []
        self.lock = threading.Lock()

    def __call__(self, channels):
        with self.lock:
            self.seen.extend(channels or ["*"])
        if self.job is not None and channels and self.channel in channels:
            self.job.wake()

    def saw(self, channel) -> bool:
        with self.lock:
            return channel in self.seen


@pytest.fixture
def listening(app):
    """An in-process listener of `app`'s wake-ups: `listening(recorder)` starts it until the test ends."""
    started = []

    def start(recorder):
        listener = listener_for(app, recorder)
        started.append(listener)
        listener.start()
        wait_until(listener.ready.is_set)
        return listener
    yield start
    for listener in started:
        listener.stop()


def _announce(app, channel, commit=True) -> None:
    with app.app_context():
        wakeup.notify(db.session, channel)
        db.session.commit() if commit else db.session.rollback()
        db.session.remove()


def test_a_burst_of_a_hundred_wakeups_is_two_runs(app, listening):
    release, started = threading.Event(), threading.Event()

    def run():
        started.set()
        release.wait(60)
    job = Wakeable(run, ["test-work"])
    recorder = _Recorder(job)
    listening(recorder)
    _announce(app, "test-work")
    wait_until(started.is_set)  # the first run is in progress ...
    for _ in range(100):        # ... while a hundred more wake-ups arrive
        _announce(app, "test-work")
    # Delivered in order: once the sentinel is seen, so are the hundred. A datagram that finds the socket's
    # queue full is dropped (a hint, never work: docs/worker.md), so the sentinel is repeated until it lands.
    wait_until(lambda: _announce(app, "test-sentinel") or recorder.saw("test-sentinel"))
    release.set()
    wait_until(lambda: job.runs == 2 and not job._lock.locked() and not job._pending.is_set())
    assert job.runs == 2


def test_a_wakeup_is_handed_on_at_once_not_at_the_listeners_next_check(app, database_url, listening, monkeypatch):
    """The socket listener checks for shutdown every STOP_CHECK_SECONDS; a wake-up must not wait for that check
    (it once did: draining a burst waited out the socket's timeout, +0.5 s on every reply on SQLite)."""
    if database_url.startswith("postgresql"):
        pytest.skip("the local socket is SQLite's wake-up; PostgreSQL's LISTEN hands on each notification")
    from miniapp_api.queue import listener as listener_module

    monkeypatch.setattr(listener_module, "STOP_CHECK_SECONDS", 6)
    recorder = _Recorder()
    listening(recorder)
    _announce(app, "now")
    wait_until(lambda: recorder.saw("now"), seconds=3)  # a wait for the check would take 6


def test_a_wakeup_is_sent_only_when_its_transaction_commits(app, listening):
    recorder = _Recorder()
    listening(recorder)
    _announce(app, "rolled-back", commit=False)
    _announce(app, "committed")
    wait_until(lambda: recorder.saw("committed"))
    assert not recorder.saw("rolled-back")


def test_sending_a_wakeup_never_blocks_or_raises(app, database_url):
    if database_url.startswith("postgresql"):
        pytest.skip("the local socket is SQLite's wake-up; PostgreSQL's announcer has tests of its own below")
    directory = app.extensions[wakeup.EXTENSION].directory
    os.makedirs(directory, exist_ok=True)
    deaf = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # a worker that never reads: its buffer fills up
    deaf.bind(os.path.join(directory, "1"))
    gone = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # a worker killed without removing its socket
    gone.bind(os.path.join(directory, "2"))
    gone.close()
    with open(os.path.join(directory, "3"), "w") as stray:  # not a socket at all
        stray.write("x")
    try:
        for n in range(2000):  # far more than the deaf socket's buffer holds
            _announce(app, f"test-{n}")
        assert deaf.recv(4096, socket.MSG_DONTWAIT) == b"test-0"
    finally:
        deaf.close()


def _postgres_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's announcer (miniapp_api/queue/announcer.py); SQLite's wake-up is a datagram")


def _heard(app, listening, channel) -> _Recorder:
    """A recorder of `app`'s wake-ups, once it has heard one on `channel`."""
    recorder = _Recorder()
    listening(recorder)
    _announce(app, channel)
    wait_until(lambda: recorder.saw(channel))
    return recorder


def test_a_wakeup_is_no_statement_of_the_writers_transaction(app, database_url, listening):
    """PostgreSQL serialises the commits of transactions that notify; the announcer notifies after the commit,
    in a transaction of its own, so writers commit side by side (docs/performance.md)."""
    _postgres_only(database_url)
    recorder = _Recorder()
    listening(recorder)
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with app.app_context():
            wakeup.notify(db.session, "in-no-statement")
            db.session.execute(sa.text("SELECT 1"))
            db.session.commit()
            db.session.remove()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert not any("pg_notify" in statement for statement in statements)
    wait_until(lambda: recorder.saw("in-no-statement"))


def test_the_announcer_reconnects_after_its_connection_is_lost(app, database_url, listening):
    _postgres_only(database_url)
    recorder = _heard(app, listening, "before-the-loss")
    with app.app_context():
        terminated = db.session.execute(sa.text(  # what a database restart does to the announcer's session
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = :name AND datname = current_database()"),
            {"name": APPLICATION_NAME}).scalars().all()
        db.session.commit()
        db.session.remove()
    assert terminated == [True]
    # The first send after the loss fails (a hint: the poll covers it); the next one reconnects.
    wait_until(lambda: _announce(app, "after-the-loss") or recorder.saw("after-the-loss"))


def test_announcing_to_an_unreachable_database_never_raises_or_waits(caplog):
    unreachable = Announcer("host=127.0.0.1 port=1 dbname=nowhere connect_timeout=1", wakeup.PG_CHANNEL)
    for n in range(100):
        unreachable.announce([f"lost-{n}"])  # returns at once: the thread does the sending
    unreachable.close(timeout=10)
    assert not unreachable._pending
    warnings = [r for r in caplog.records if r.name == "miniapp_api.queue.announcer"]
    assert [r.levelname for r in warnings] == ["WARNING"]  # once per outage, not once per wake-up
    assert "nowhere" not in caplog.text


# Python 3.12+ warns on fork() in a process with threads (this one has the listener's and the announcer's); the
# child here only announces and leaves with os._exit.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_process_announces_on_a_connection_of_its_own(app, database_url, listening):
    """gunicorn forks its workers: a child must not use (or close) the connection its parent announces on."""
    _postgres_only(database_url)
    recorder = _heard(app, listening, "parent-before-fork")
    with app.app_context():
        conninfo = app.extensions[wakeup.EXTENSION].conninfo
    parents = announcer_for(conninfo, wakeup.PG_CHANNEL)
    pid = os.fork()
    if pid == 0:  # the child: announce, flush, leave without running the parent's exit handlers
        status = 1
        try:
            child = announcer_for(conninfo, wakeup.PG_CHANNEL)
            if child is not parents:
                child.announce(["from-the-child"])
                child.close(timeout=10)
                status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    wait_until(lambda: recorder.saw("from-the-child"))
    _announce(app, "parent-after-fork")  # the parent's own connection was left alone
    wait_until(lambda: recorder.saw("parent-after-fork"))
    assert parents._connection is not None and not parents._connection.closed
