"""The webhook's ingest store: answering Zalo never waits for another writer, and the move into
`webhook_event` loses nothing and doubles nothing, whatever the worker does or where it crashes."""
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from miniapp_api import queue
from miniapp_api.config import default_inbox_url
from miniapp_api.extensions import db
from miniapp_api.models import Message, Tag, WebhookEvent
from miniapp_api.services.oa import webhook_inbox as inbox
from sandbox.zalo.simulator import build_event
from tests.oa_helpers import count, ingested, move, one, post_event, run_worker


@pytest.fixture
def event(zalo):
    user = zalo.create_user("Lê Văn Cường", app_user_id="552177279717587730", oa_user_id="246845883529197922")
    return build_event(zalo, "text", user, text="Chào shop, còn hàng không ạ?", msg_id="96d3cdf3af150460909",
                       timestamp_ms=1543908534740)


def test_the_webhook_answers_while_a_worker_transaction_holds_the_main_database(app, client, zalo, event):
    """A worker mid-transaction (rows claimed, a write pending) holds SQLite's writer slot: the ACK must not wait."""
    post_event(client, zalo, build_event(zalo, "follow", zalo.create_user("Trần Mai"), timestamp_ms=1543908534000))
    move(app)
    holding, finish = threading.Event(), threading.Event()

    def worker_transaction():
        with app.app_context(), Session(db.engine) as session:
            session.execute(sa.update(WebhookEvent).values(status="processing", leased_by="slow-worker"))
            session.add(Tag(name="written by the worker"))
            session.flush()
            holding.set()
            finish.wait(60)
            session.commit()

    answers = []
    worker = threading.Thread(target=worker_transaction)
    worker.start()
    assert holding.wait(10)
    webhook = threading.Thread(target=lambda: answers.append(post_event(client, zalo, event)), daemon=True)
    webhook.start()
    webhook.join(timeout=20)
    answered = not webhook.is_alive()
    finish.set()
    worker.join(timeout=60)
    webhook.join(timeout=60)
    assert answered, "the webhook waited for the worker's transaction"
    assert answers == [(200, {"status": "stored"})]


def test_an_accepted_event_is_processed_exactly_once(app, client, zalo, event):
    assert post_event(client, zalo, event) == (200, {"status": "stored"})
    assert len(ingested(app)) == 1 and count(app, WebhookEvent) == 0
    run_worker(app)
    assert ingested(app) == []
    row = one(app, WebhookEvent)
    assert (row.status, row.attempts) == ("done", 1)
    run_worker(app)
    assert count(app, WebhookEvent) == 1 and count(app, Message) == 1


def test_the_same_event_five_times_around_the_worker_is_one_message(app, client, zalo, event):
    """Resent while waiting in the ingest store: "duplicate"; resent after the move: accepted, then dropped."""
    statuses = []
    for attempt in range(5):
        statuses.append(post_event(client, zalo, event)[1]["status"])
        if attempt % 2:
            run_worker(app, rounds=1)
    run_worker(app)
    assert statuses == ["stored", "duplicate", "stored", "duplicate", "stored"]
    assert ingested(app) == []
    assert count(app, WebhookEvent) == 1 and count(app, Message) == 1
    assert one(app, WebhookEvent).attempts == 1


def _crash(*_args, **_kwargs):
    raise RuntimeError("worker killed")


@pytest.mark.parametrize("processed_before_the_retry", [False, True], ids=["moved-again", "processed-first"])
def test_a_crash_after_the_copy_before_the_delete_loses_and_doubles_nothing(app, client, zalo, event, monkeypatch,
                                                                            processed_before_the_retry):
    post_event(client, zalo, event)
    monkeypatch.setattr(inbox, "forget_ingested", _crash)
    with pytest.raises(RuntimeError):
        move(app)
    assert len(ingested(app)) == 1 and count(app, WebhookEvent) == 1  # copied, not yet forgotten
    if processed_before_the_retry:  # another worker processes the copy before anyone moves again
        with app.app_context():
            queue.run_claimed(db.session, WebhookEvent, lambda i: inbox.process_one(app, db.session, i, "other"),
                              owner="other")
            db.session.remove()
    monkeypatch.undo()
    run_worker(app)
    assert ingested(app) == []
    row = one(app, WebhookEvent)
    assert (row.status, row.attempts) == ("done", 1)
    assert count(app, Message) == 1


def test_a_crash_before_the_copy_commits_keeps_the_event_for_the_next_move(app, client, zalo, event, monkeypatch):
    post_event(client, zalo, event)
    monkeypatch.setattr(inbox, "_insert_new", _crash)
    with pytest.raises(RuntimeError):
        move(app)
    monkeypatch.undo()
    assert len(ingested(app)) == 1 and count(app, WebhookEvent) == 0
    run_worker(app)
    assert ingested(app) == [] and one(app, WebhookEvent).status == "done" and count(app, Message) == 1


def test_two_workers_moving_at_once_copy_each_event_once(app, client, zalo):
    users = [zalo.create_user(f"Khách {n}") for n in range(3)]
    for n in range(30):
        post_event(client, zalo, build_event(zalo, "text", users[n % 3], msg_id=f"m{n:04d}"))
    errors = []

    def mover():
        try:
            while move(app):
                pass
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=mover) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == [] and ingested(app) == []
    with app.app_context():
        keys = db.session.scalars(sa.select(WebhookEvent.dedupe_key)).all()
    assert sorted(keys) == [f"user_send_text:m{n:04d}" for n in range(30)]


def test_on_sqlite_the_ingest_store_is_a_file_of_its_own(app, client, zalo, event, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL keeps the ingest store in the main database")
    assert app.config["WEBHOOK_INBOX_DATABASE_URL"] == database_url.removesuffix(".db") + "-inbox.db"
    post_event(client, zalo, event)
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM webhook_ingest")) == 0  # not in the main file
    assert len(ingested(app)) == 1


def test_an_ingest_store_in_the_main_database_works_the_same(database_url, zalo):
    """WEBHOOK_INBOX_DATABASE_URL = DATABASE_URL (PostgreSQL's default): the migrated table, one engine."""
    from tests.conftest import _base_config, _seeded_app

    apps = _seeded_app({**_base_config(database_url, zalo.url), "WEBHOOK_INBOX_DATABASE_URL": database_url})
    app = next(apps)
    try:
        client = app.test_client()
        event = build_event(zalo, "text", zalo.create_user("Hồ Lan"), msg_id="shared0001")
        assert post_event(client, zalo, event) == (200, {"status": "stored"})
        assert post_event(client, zalo, event) == (200, {"status": "duplicate"})
        with app.app_context():
            assert db.session.scalar(sa.text("SELECT count(*) FROM webhook_ingest")) == 1
        run_worker(app)
        assert ingested(app) == [] and one(app, WebhookEvent).status == "done" and count(app, Message) == 1
    finally:
        next(apps, None)


def test_default_ingest_store_locations():
    assert default_inbox_url("sqlite:////srv/shop/var/miniapp.db") == "sqlite:////srv/shop/var/miniapp-inbox.db"
    assert default_inbox_url("sqlite:///var/shop") == "sqlite:///var/shop-inbox.db"
    assert default_inbox_url("postgresql+psycopg://u:p@db/shop") == "postgresql+psycopg://u:p@db/shop"


def test_erasure_drops_the_persons_events_still_waiting_in_the_ingest_store(app, client, zalo, event):
    from miniapp_api.models import Customer, OaContact
    from miniapp_api.services.privacy.erasure import erase_customer

    post_event(client, zalo, event)
    run_worker(app)
    later = build_event(zalo, "text", zalo.users[event["user_id_by_app"]], text="Số em 0987 654 321",
                        msg_id="later0001")
    post_event(client, zalo, later)
    other = build_event(zalo, "text", zalo.create_user("Người khác"), text="Khách khác", msg_id="other0001")
    post_event(client, zalo, other)
    with app.app_context():
        contact = db.session.scalar(sa.select(OaContact))
        erase_customer(db.session, db.session.get(Customer, contact.customer_id))
        db.session.commit()
    assert [row.dedupe_key for row in ingested(app)] == ["user_send_text:other0001"]
    run_worker(app)
    with app.app_context():
        bodies = db.session.scalars(sa.select(WebhookEvent.raw_body)).all()
    assert not any("0987 654 321" in body for body in bodies) and any("Khách khác" in body for body in bodies)
