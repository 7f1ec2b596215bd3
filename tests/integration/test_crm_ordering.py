"""Per-customer order at the CRM: every path that can reorder deliveries (a fan-out that stalls and
loses its lease, a newer snapshot in flight while an older one appears, retries, dead-letter replay)
ends with the customer's latest state at the ShopOne emulator, and pending updates coalesce into
one call per customer."""
import threading
import time

import pytest
import sqlalchemy as sa

from miniapp_api import queue
from crm_sync.engine import sync_connector
from crm_sync.fanout import fan_out
from miniapp_api.extensions import db
from miniapp_api.models import OutboxEvent
from tests.sync_helpers import add_shopone, applied_refs, deliveries, new_customer, phones, rename, sync


def _stall_fan_out(app, refs) -> None:
    """A fan-out that claimed the customers' pending outbox events, then stalled (its lease runs out later)."""
    with app.app_context():
        claimed = queue.claim(db.session, OutboxEvent, owner="stalled-fan-out", limit=1000, lease=queue.LEASE,
                              where=OutboxEvent.aggregate_id.in_(refs))
        assert claimed


def _names(shopone, refs) -> list:
    return [shopone.customers.get(ref, {}).get("name") for ref in refs]


def _wait_for(condition, seconds=30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


@pytest.mark.parametrize("sync_between", [False, True], ids=["late-in-same-pass", "late-after-newer-sent"])
def test_a_stalled_fan_out_cannot_make_an_older_snapshot_win(app, shopone, frozen_clock, sync_between):
    """Creations stall in a fan-out whose lease then expires: their deliveries get ids after the edits'."""
    add_shopone(app, shopone)
    refs = [new_customer(app, phone, f"Cũ {i}") for i, phone in enumerate(phones(5))]
    _stall_fan_out(app, refs)
    for i, ref in enumerate(refs):
        rename(app, ref, f"Mới {i}")
    with app.app_context():
        assert fan_out(db.session, "fan-out-2") == 5  # the edits are queued first
    if sync_between:
        sync(app)
        assert _names(shopone, refs) == [f"Mới {i}" for i in range(5)]
    frozen_clock.advance(seconds=queue.LEASE.total_seconds() + 1)
    sync(app)  # the creations are fanned out now, with the highest delivery ids
    assert _names(shopone, refs) == [f"Mới {i}" for i in range(5)], "an older snapshot overwrote a newer one"
    assert sorted(applied_refs(shopone)) == sorted(refs), "one write per customer"
    late = [d for d in deliveries(app) if d["status"] == "ignored"]
    why = "superseded: a newer snapshot" if sync_between else "coalesced into delivery"
    assert len(late) == 5 and all(d["error"].startswith(why) for d in late)


def test_an_older_snapshot_waits_while_a_newer_one_is_in_flight_then_is_skipped(app, shopone, frozen_clock):
    add_shopone(app, shopone, batch_calls=False, read_timeout=30)
    ref = new_customer(app, name="v1")
    sync(app)
    rename(app, ref, "v2")
    _stall_fan_out(app, [ref])
    rename(app, ref, "v3")
    shopone.set_faults(hang_next=1, hang_seconds=30)
    worker_a = threading.Thread(target=lambda: _sync_as(app, "worker-a"))
    worker_a.start()
    try:
        _wait_for(lambda: len(shopone.requests) == 2)  # worker A is sending v3 and waits for the answer
        frozen_clock.advance(seconds=queue.LEASE.total_seconds() + 1)  # the stalled fan-out's lease lapses...
        with app.app_context():  # ...while worker A, alive, keeps its own (its heartbeat's beat)
            queue.renew(db.session, "worker-a")
            db.session.remove()
        _sync_as(app, "worker-b")  # fans v2 out; must not send it while v3 is in flight
        assert len(shopone.requests) == 2, "an older snapshot was sent while a newer one was in flight"
    finally:
        shopone.release.set()
        worker_a.join()
    _sync_as(app, "worker-b")
    assert shopone.customers[ref]["name"] == "v3"
    assert [d["status"] for d in deliveries(app)] == ["done", "done", "ignored"]
    assert "superseded" in deliveries(app)[2]["error"]


def _sync_as(app, owner):
    with app.app_context():
        sync_connector(app, "shopone", owner=owner)


@pytest.mark.parametrize("batch_calls", [False, True], ids=["single", "batch"])
def test_updates_pending_before_the_worker_starts_make_one_call_per_customer(app, shopone, frozen_clock,
                                                                             batch_calls):
    add_shopone(app, shopone, batch_size=10, batch_calls=batch_calls)
    refs = [new_customer(app, phone, "Cũ") for phone in phones(25)]
    for i, ref in enumerate(refs):
        rename(app, ref, f"Mới {i}")
    sync(app)
    sent = [item["ref"] for r in shopone.requests for item in r["body"]["items"]] if batch_calls else \
        [r["path"].rsplit("/", 1)[1] for r in shopone.requests]
    assert sorted(sent) == sorted(refs), "each customer's pending updates go out as one call"
    assert _names(shopone, refs) == [f"Mới {i}" for i in range(25)]


def test_a_retry_and_a_newer_update_send_only_the_newer(app, shopone, frozen_clock):
    add_shopone(app, shopone, batch_calls=False)
    ref = new_customer(app, name="v1")
    shopone.set_faults(fail_next=1)
    sync(app)
    rename(app, ref, "v2")
    frozen_clock.advance(seconds=6)
    sync(app)
    assert shopone.customers[ref]["name"] == "v2" and applied_refs(shopone) == [ref]


def _dead_ids(app) -> list[int]:
    return [d["id"] for d in deliveries(app) if d["status"] == "dead"]


def test_replaying_an_old_dead_letter_after_a_newer_delivery_does_not_roll_back(app, shopone, runner,
                                                                                 frozen_clock):
    add_shopone(app, shopone)
    ref = new_customer(app, name="Cũ")
    shopone.set_faults(reject_refs=[ref])
    sync(app)
    [dead] = _dead_ids(app)
    shopone.set_faults(reject_refs=[])
    rename(app, ref, "Mới")
    sync(app)
    assert shopone.customers[ref]["name"] == "Mới"
    output = runner.invoke(args=["crm", "dead-letters", "replay", str(dead)]).output
    assert "superseded" in output and f"{dead}" in output
    sync(app)
    assert shopone.customers[ref]["name"] == "Mới" and applied_refs(shopone) == [ref]
    assert deliveries(app)[0]["status"] == "ignored"


def test_replaying_an_old_dead_letter_delivers_the_current_state(app, shopone, runner, frozen_clock):
    add_shopone(app, shopone)
    ref = new_customer(app, name="Cũ")
    shopone.set_faults(reject_refs=[ref])
    sync(app)
    rename(app, ref, "Mới")
    sync(app)
    old, new = _dead_ids(app)
    shopone.set_faults(reject_refs=[])
    output = runner.invoke(args=["crm", "dead-letters", "replay", str(old)]).output
    assert "superseded" in output
    sync(app)
    assert shopone.customers[ref]["name"] == "Mới" and applied_refs(shopone) == [ref]
    assert {d["id"]: d["status"] for d in deliveries(app)} == {old: "ignored", new: "done"}


def test_a_replayed_dead_letter_that_is_the_current_state_goes_out(app, shopone, runner, frozen_clock):
    add_shopone(app, shopone)
    ref = new_customer(app, name="Cũ")
    shopone.set_faults(reject_refs=[ref])
    sync(app)
    [dead] = _dead_ids(app)
    shopone.set_faults(reject_refs=[])
    assert runner.invoke(args=["crm", "dead-letters", "replay", str(dead)]).output == "replayed 1 deliveries\n"
    sync(app)
    assert shopone.customers[ref]["name"] == "Cũ"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)) == 1


def test_a_dead_workers_claim_is_left_alone_until_its_lease_ends_then_only_the_newest_goes(app, shopone,
                                                                                            frozen_clock):
    from miniapp_api.models import Delivery

    add_shopone(app, shopone, batch_calls=False)
    ref = new_customer(app, name="v1")
    with app.app_context():
        fan_out(db.session, "fan-out")
        assert queue.claim(db.session, Delivery, owner="dead-worker", limit=10)  # then it died mid-call
    rename(app, ref, "v2")
    sync(app)
    assert shopone.requests == [], "nothing of this customer goes out while another worker's lease is live"
    frozen_clock.advance(seconds=301)
    sync(app)
    assert shopone.customers[ref]["name"] == "v2" and applied_refs(shopone) == [ref]
    assert [d["status"] for d in deliveries(app)] == ["ignored", "done"]


def test_concurrent_edits_of_one_customer_are_numbered_and_snapshotted_in_commit_order(app, shopone, frozen_clock,
                                                                                       database_url):
    """Request B loaded the profile before request A committed its edit; B's snapshot still holds A's edit."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time (BEGIN IMMEDIATE): two edits cannot interleave")
    from miniapp_api.models import Customer
    from miniapp_api.services.customers.profiles import apply_facts, publish_upsert

    add_shopone(app, shopone)
    ref = new_customer(app, name="An")
    loaded, go, errors = threading.Event(), threading.Event(), []

    def request_b():
        try:
            with app.app_context():
                customer = db.session.scalar(sa.select(Customer).where(Customer.ref == ref))
                loaded.set()
                go.wait(30)
                apply_facts(customer, {"full_name": "An (B)"})
                publish_upsert(db.session, customer)  # waits for A's commit on the customer's row
                db.session.commit()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    b = threading.Thread(target=request_b)
    b.start()
    assert loaded.wait(30)
    with app.app_context():
        customer = db.session.scalar(sa.select(Customer).where(Customer.ref == ref))
        apply_facts(customer, {"email": "an@example.vn"})
        publish_upsert(db.session, customer)
        go.set()
        db.session.commit()
    b.join()
    assert errors == []
    with app.app_context():
        events = db.session.execute(sa.select(OutboxEvent.sequence, OutboxEvent.payload)
                                    .order_by(OutboxEvent.sequence)).all()
    assert [e.sequence for e in events] == [1, 2, 3]
    assert (events[-1].payload["full_name"], events[-1].payload["email"]) == ("An (B)", "an@example.vn")
    sync(app)
    assert (shopone.customers[ref]["name"], shopone.customers[ref]["email"]) == ("An (B)", "an@example.vn")
