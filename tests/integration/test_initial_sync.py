"""A connector's initial sync against the ShopOne emulator: the CRM's customers linked under the identity rules,
every profile pushed once without duplicating a linked record, order history pulled, progress reported, and a
worker that dies half-way resumed by another without anything twice."""
from __future__ import annotations

import sqlalchemy as sa

from crm_sync import initial_sync
from crm_sync.admin import save_connector
from miniapp_api.extensions import db
from miniapp_api.models import Customer, InitialSync, Order, ProfileConflict
from miniapp_api.models.queue import PROCESSING
from miniapp_api.services.customers.snapshots import own_snapshot

from initial_sync_helpers import crm_links, drive, killed_mid_page, start_sync, sync_progress, zalo_user
from sync_helpers import add_shopone, sync


def _profile(ref: str) -> Customer:
    return db.session.scalar(sa.select(Customer).where(Customer.ref == ref))


def test_the_crms_customers_are_linked_by_verified_phone_only_and_pushed_onto_their_own_records(
        app, shopone, frozen_clock):
    add_shopone(app, shopone, pull_orders=False)
    with app.app_context():
        verified = zalo_user("app-1", "+84901000001", name="Lan (Zalo)")
        typed = zalo_user("app-2", "+84901000002", verified=False, name="Someone typing")
        unmatched = zalo_user("app-3", "+84901000003")
        db.session.commit()
    owned_by_verified = shopone.add_native({"name": "Lan", "phone": "0901000001", "email": "lan@example.vn"})
    claimed_by_typed = shopone.add_native({"name": "Bà Hoa", "phone": "0901000002"})
    crm_only = shopone.add_native({"name": "Chỉ ở CRM", "phone": "0901000009"})
    second_of_same_phone = shopone.add_native({"name": "Lan (cũ)", "phone": "0901000001"})
    shopone.put_order({"id": "SO-1", "status": "paid", "customer_id": owned_by_verified["id"], "total": 250000,
                       "phone": "0901000001"})

    start_sync(app, "shopone")
    progress = drive(app, frozen_clock, "shopone")

    links = crm_links(app, "shopone")
    assert links[owned_by_verified["id"]] == verified
    assert links[claimed_by_typed["id"]] != typed, "a typed phone linked another person's CRM record"
    assert links[second_of_same_phone["id"]] != verified, "one profile took two records of one CRM"
    assert len(set(links.values())) == 4
    with app.app_context():
        typed_profile, verified_profile = _profile(typed), _profile(verified)
        assert not any(i.kind == "crm" for i in typed_profile.identities)
        assert own_snapshot(db.session, typed_profile)["full_name"] == "Someone typing"
        assert verified_profile.full_name == "Lan (Zalo)", "the CRM's name overwrote the person's own"
        assert verified_profile.email == "lan@example.vn", "the CRM's email did not fill the empty field"
        crm_profile = _profile(links[claimed_by_typed["id"]])
        conflict = db.session.scalar(sa.select(ProfileConflict).where(sa.or_(
            ProfileConflict.customer_id == typed_profile.id, ProfileConflict.other_customer_id == typed_profile.id)))
        assert conflict is not None and {conflict.customer_id, conflict.other_customer_id} == {
            typed_profile.id, crm_profile.id}, "the typed phone's match was not queued for staff"
        order = db.session.scalar(sa.select(Order).where(Order.external_id == "SO-1"))
        assert order.customer_id == verified_profile.id

    # Pushed: each profile onto its own record, none made twice; the records profiles were made from are not
    # echoed back (ShopOne holds what they hold).
    assert set(shopone.natives) == {claimed_by_typed["id"], crm_only["id"], second_of_same_phone["id"]}
    assert len(shopone.listed) == 4 + 2  # the shop's four, plus the two Zalo users no record matched
    assert shopone.customers[verified]["id"] == owned_by_verified["id"]
    assert {typed, unmatched} <= set(shopone.customers)
    assert len(shopone.applied) == len({entry["key"] for entry in shopone.applied})

    assert progress["status"] == "done"
    by_phase = {p["phase"]: p for p in progress["phases"]}
    assert [p["phase"] for p in progress["phases"]] == ["link", "push", "orders"]
    assert (by_phase["link"]["done"], by_phase["link"]["total"]) == (4, 4)
    assert by_phase["link"]["counts"] == {"by_phone": 1, "created": 3}
    assert (by_phase["push"]["done"], by_phase["push"]["total"]) == (6, 6)
    assert by_phase["orders"]["done"] == 1
    assert all(p["state"] == "done" for p in progress["phases"])


def test_progress_while_running_and_one_sync_at_a_time(app, shopone, frozen_clock):
    add_shopone(app, shopone)
    for n in range(250):
        shopone.add_native({"name": f"Khách {n}", "phone": f"09020{n:05d}"})
    start_sync(app, "shopone", ["link"])
    with app.app_context():
        initial_sync.run_due(app, db.session, "worker-1", max_pages=1)
    frozen_clock.advance(seconds=10)
    progress = sync_progress(app, "shopone")
    link = progress["phases"][0]
    assert (progress["status"], link["state"], link["done"], link["total"]) == ("running", "running", 100, 250)
    assert link["rate_per_second"] == 10.0 and link["eta_seconds"] == 15

    try:
        start_sync(app, "shopone")
    except initial_sync.CannotStart as exc:
        assert exc.conflict
    else:
        raise AssertionError("a second initial sync started beside the first")

    assert drive(app, frozen_clock, "shopone")["phases"][0]["done"] == 250


def test_a_worker_killed_half_way_is_resumed_by_another_without_duplicates(app, shopone, frozen_clock, monkeypatch):
    add_shopone(app, shopone)
    with app.app_context():
        for n in range(120):
            zalo_user(f"app-{n}", f"+8490300{n:04d}")
        db.session.commit()
    for n in range(300):
        shopone.add_native({"name": f"Khách {n}", "phone": f"090300{n:04d}"})  # the first 120 are Zalo users'
    start_sync(app, "shopone", ["link", "push"])

    # Worker 1 links a page, then dies in the middle of the second (its transaction never commits).
    with app.app_context():
        initial_sync.run_due(app, db.session, "worker-1", max_pages=1)
    sync_id = killed_mid_page(app, monkeypatch, linked=40)
    with app.app_context():
        assert db.session.get(InitialSync, sync_id).status == PROCESSING  # still leased to the dead worker
        assert initial_sync.run_due(app, db.session, "worker-2") == 0, "taken over before the lease lapsed"
    assert len(crm_links(app, "shopone")) == 100

    frozen_clock.advance(seconds=30)  # the dead worker's lease lapses
    progress = drive(app, frozen_clock, "shopone", owner="worker-2")

    links = crm_links(app, "shopone")
    assert len(links) == 300 and len(set(links.values())) == 300
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 300
    assert len(shopone.natives) == 180 and len(shopone.listed) == 300  # the 120 linked ones took our refs
    assert progress["phases"][0]["done"] == 300 and progress["phases"][0]["counts"] == {"by_phone": 120,
                                                                                        "created": 180}


def test_owners_start_it_through_the_api_a_remote_that_keeps_failing_fails_it_and_it_resumes(
        app, client, shopone, frozen_clock):
    from tests.inbox_helpers import call
    from tests.staff_helpers import staff_headers

    owner, viewer = staff_headers(app, client, "owner"), staff_headers(app, client, "viewer", email="v@shop.vn")
    url = "/api/v1/admin/sync/connectors/shopone/initial-sync"
    add_shopone(app, shopone, retry_schedule="5,10")
    for n in range(30):
        shopone.add_native({"name": f"Khách {n}", "phone": f"09040{n:05d}"})

    assert call(client, "GET", url, viewer)[0] == 404
    assert call(client, "POST", url, owner, json={"phases": ["sideways"]})[0] == 422
    status, body = call(client, "POST", url, owner, json={"phases": ["push", "link"]})
    assert status == 202 and body["status"] == "running" and [p["phase"] for p in body["phases"]] == ["link", "push"]
    assert call(client, "POST", url, owner, json={})[0] == 409
    assert call(client, "POST", url + "/resume", owner)[0] == 409  # it has not failed

    shopone.set_faults(fail_next=3)  # the listing fails on every attempt the schedule allows
    for _ in range(3):
        with app.app_context():
            initial_sync.run_due(app, db.session, "worker-1")
        frozen_clock.advance(seconds=11)
    status, failed = call(client, "GET", url, viewer)
    assert (status, failed["status"]) == (200, "failed") and "500" in failed["last_error"]

    status, resumed = call(client, "POST", url + "/resume", owner)
    assert (status, resumed["status"]) == (200, "running")
    done = drive(app, frozen_clock, "shopone")
    assert done["status"] == "done" and done["phases"][0]["done"] == 30 and done["phases"][1]["done"] == 30
    assert call(client, "POST", url + "/cancel", owner)[0] == 409  # finished: nothing to cancel


def test_operators_run_it_from_the_cli_and_see_it_in_crm_status(app, runner, shopone, frozen_clock):
    add_shopone(app, shopone)
    for n in range(150):
        shopone.add_native({"name": f"Khách {n}", "phone": f"09050{n:05d}"})
    assert "nothing" not in (out := runner.invoke(args=["crm", "initial-sync", "start", "shopone",
                                                        "--phase", "link"]).output)
    assert out.startswith("initial sync #1 of shopone queued: link")
    assert runner.invoke(args=["crm", "initial-sync", "start", "shopone"]).exit_code == 1  # running already
    with app.app_context():
        initial_sync.run_due(app, db.session, "worker-1", max_pages=1)
    frozen_clock.advance(seconds=20)
    status = runner.invoke(args=["crm", "status"]).output
    assert "initial sync #1 running: link running 100/150 (5/s, ETA 0:00:10)" in status, status

    assert runner.invoke(args=["crm", "initial-sync", "cancel", "shopone"]).output.endswith("cancelled\n")
    shown = runner.invoke(args=["crm", "initial-sync", "status", "shopone"]).output
    assert shown.startswith("initial sync #1 cancelled: link stopped 100/150") and "cancelled by cli" in shown
    with app.app_context():
        assert initial_sync.run_due(app, db.session, "worker-1") == 0
    assert runner.invoke(args=["crm", "initial-sync", "resume", "shopone"]).exit_code == 1  # not failed


def test_a_profile_made_from_a_crm_record_is_not_echoed_to_that_crm_but_reaches_every_other_connector(
        app, shopone, webhook_receiver, frozen_clock):
    add_shopone(app, shopone)
    with app.app_context():
        save_connector(db.session, app.config["SECRET_KEY"], "hooks", "webhook", base_url=webhook_receiver.url,
                       credentials={"secret": webhook_receiver.secret}, rate_limit_per_second=0)
        db.session.commit()
    native = shopone.add_native({"name": "Chỉ ở CRM", "phone": "0906100001"})
    start_sync(app, "shopone", ["link"])
    drive(app, frozen_clock, "shopone")
    sync(app, "hooks")

    ref = crm_links(app, "shopone")[native["id"]]
    assert [entry for entry in shopone.applied if entry["ref"] == ref] == [], "the CRM got its own record back"
    received = [body["data"] for body in webhook_receiver.accepted.values() if body["type"] == "customer.upserted"]
    assert [(d["ref"], d["full_name"], d["crm_ids"]) for d in received] == [
        (ref, "Chỉ ở CRM", {"shopone": native["id"]})]


def test_a_worker_whose_lease_lapsed_writes_nothing_and_another_cancelled_one_stops(app, shopone, frozen_clock):
    add_shopone(app, shopone)
    for n in range(250):
        shopone.add_native({"name": f"Khách {n}", "phone": f"09061{n:05d}"})
    sync_id = start_sync(app, "shopone", ["link"])
    with app.app_context():
        assert initial_sync.claim(db.session, InitialSync, owner="slow", limit=1) == [sync_id]
    frozen_clock.advance(seconds=30)  # "slow" stalled past its lease: "fast" takes the sync over
    with app.app_context():
        initial_sync.run_due(app, db.session, "fast", max_pages=1)
        initial_sync.work(app, db.session, sync_id, "slow")  # wakes up, fetches a page, may not write it
    assert sync_progress(app, "shopone")["phases"][0]["done"] == 100

    with app.app_context():
        assert initial_sync.claim(db.session, InitialSync, owner="fast", limit=1) == [sync_id]
        initial_sync.cancel(db.session, db.session.get(InitialSync, sync_id), "owner")
        db.session.commit()
        initial_sync.work(app, db.session, sync_id, "fast")  # its next page finds the sync cancelled
    progress = sync_progress(app, "shopone")
    assert (progress["status"], progress["phases"][0]["done"]) == ("cancelled", 100)
