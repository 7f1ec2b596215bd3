"""The KiotViet connector over HTTP against the KiotViet emulator, on a frozen clock: customers found by their
code before they are created, so every fault (500, 429 with Retry-After, a hang, a create accepted and then
dropped) still ends with each customer created exactly once; the token fetched once, and again when KiotViet
lets it expire; GETs kept under the hourly cap (the emulator counts); invoices pulled back as orders."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm_sync.admin import save_connector
from miniapp_api.extensions import db
from miniapp_api.models import Customer, Order
from tests.conftest import KIOTVIET_CREDENTIALS
from tests.sync_helpers import connector, new_customer, phones, rename, statuses, sync

CLIENT_ID, CLIENT_SECRET, RETAILER = KIOTVIET_CREDENTIALS


def add_kiotviet(app, kiotviet, **settings) -> None:
    credentials = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "retailer": RETAILER,
                   "token_url": f"{kiotviet.url}/connect/token", **settings.pop("credentials", {})}
    with app.app_context():
        save_connector(db.session, app.config["SECRET_KEY"], "kiot", "kiotviet", base_url=kiotviet.url,
                       credentials=credentials, rate_limit_per_second=0, **settings)
        db.session.commit()


@pytest.fixture
def frozen_kiotviet(kiotviet, frozen_clock):
    """The emulator's hourly GET count on the product's frozen clock."""
    kiotviet.clock = lambda: frozen_clock.now().timestamp()
    return kiotviet


def test_customers_are_created_once_then_updated_by_their_kiotviet_id(app, frozen_kiotviet):
    kiotviet = frozen_kiotviet
    add_kiotviet(app, kiotviet)
    refs = [new_customer(app, p, name=f"Khách {n}") for n, p in enumerate(phones(3))]
    assert sync(app, "kiot")[0][0][1:4] == (3, 0, 0)
    assert sorted(kiotviet.created) == sorted(refs)
    first = kiotviet.find(code=refs[0])[0]
    assert (first["name"], first["contactNumber"]) == ("Khách 0", "0910000000")  # the local form KiotViet takes
    gets = len(kiotviet.gets)
    rename(app, refs[0], "Khách Vàng")
    sync(app, "kiot")
    assert kiotviet.find(code=refs[0])[0]["name"] == "Khách Vàng"
    assert len(kiotviet.gets) == gets and kiotviet.tokens_issued == 1  # the id and the token were remembered
    assert sorted(kiotviet.created) == sorted(refs)


@pytest.mark.parametrize("fault", ["fail_next", "throttle_next", "hang_next", "drop_next"])
def test_every_fault_ends_with_each_customer_created_once(app, frozen_kiotviet, frozen_clock, fault):
    kiotviet = frozen_kiotviet
    add_kiotviet(app, kiotviet, read_timeout=0.3)
    kiotviet.fault_methods = {"POST"}  # the create is what a retry could repeat
    kiotviet.faults[fault], kiotviet.hang_seconds, kiotviet.retry_after = 1, 1.0, 60
    refs = [new_customer(app, p) for p in phones(3)]
    sync(app, "kiot")
    kiotviet.release.set()  # a hung create completes now: it was made after all
    for _ in range(3):
        frozen_clock.advance(seconds=400)
        sync(app, "kiot")
    assert sorted(kiotviet.created) == sorted(refs), kiotviet.created
    assert statuses(app, "kiot") == {"done": 3}
    assert kiotviet.violations == []


def test_an_expired_token_is_replaced_once_and_bad_credentials_pause(app, frozen_kiotviet, frozen_clock):
    kiotviet = frozen_kiotviet
    add_kiotviet(app, kiotviet)
    new_customer(app, phones(1)[0])
    sync(app, "kiot")
    kiotviet.expire_tokens()  # KiotViet ends it before its time
    new_customer(app, phones(2)[1])
    sync(app, "kiot")
    assert kiotviet.tokens_issued == 2 and len(kiotviet.created) == 2
    add_kiotviet(app, kiotviet, credentials={"client_secret": "wrong"})
    kiotviet.expire_tokens()
    new_customer(app, phones(3)[2])
    sync(app, "kiot")
    assert connector(app, "kiot").paused_reason  # the shop's key is refused: paused, not retried to death


def test_gets_stay_under_the_hourly_cap(app, frozen_kiotviet, frozen_clock):
    kiotviet = frozen_kiotviet
    kiotviet.get_limit = 5
    add_kiotviet(app, kiotviet, credentials={"get_limit_per_hour": "5"})
    refs = [new_customer(app, p) for p in phones(8)]
    runs, _ = sync(app, "kiot")
    assert runs[0][1] == 5 and "rate limited" in (runs[0][4] or "")  # each new customer is looked up first
    frozen_clock.advance(minutes=61)
    sync(app, "kiot")
    assert sorted(kiotviet.created) == sorted(refs)
    assert kiotviet.violations == []


def test_invoices_come_back_as_orders_of_their_customers(app, frozen_kiotviet):
    kiotviet = frozen_kiotviet
    add_kiotviet(app, kiotviet, pull_orders=True)
    ref = new_customer(app, phones(1)[0])
    sync(app, "kiot")
    kiotviet.invoices += [
        {"id": 1, "code": "HD000001", "customerCode": ref, "customerId": kiotviet.find(code=ref)[0]["id"],
         "total": 1250000, "status": 1, "statusValue": "Hoàn thành", "modifiedDate": "2026-11-01T10:00:00"},
        {"id": 2, "code": "HD000002", "customerId": 9999, "customerName": "Khách lẻ", "total": 90000,
         "status": 1, "statusValue": "Hoàn thành", "modifiedDate": "2026-11-01T10:05:00"}]
    runs, _ = sync(app, "kiot")
    assert runs[1][0:2] == ("pull", 2)
    with app.app_context():
        orders = db.session.execute(sa.select(Order.external_id, Order.total_vnd, Customer.ref)
                                    .outerjoin(Customer, Customer.id == Order.customer_id)
                                    .order_by(Order.external_id)).all()
    assert orders[0] == ("HD000001", 1250000, ref)
    assert orders[1][:2] == ("HD000002", 90000)  # a new profile, known by its KiotViet id only
    assert sync(app, "kiot")[0][1][1] == 0  # nothing new the second time


def test_initial_sync_links_kiotviets_customers_pushes_onto_them_and_waits_out_the_get_cap(
        app, frozen_kiotviet, frozen_clock):
    from crm_sync import initial_sync
    from tests.initial_sync_helpers import crm_links, drive, start_sync, sync_progress, zalo_user

    kiotviet = frozen_kiotviet
    add_kiotviet(app, kiotviet, credentials={"get_limit_per_hour": 2}, batch_size=100)
    with app.app_context():
        verified = zalo_user("app-1", "+84906000001", name="Lan")
        newcomer = zalo_user("app-2", "+84906000002", verified=False)
        db.session.commit()
    lan = kiotviet.seed({"name": "Lan KV", "contactNumber": "0906000001"})
    for n in range(249):
        kiotviet.seed({"name": f"Khách {n}", "contactNumber": f"0907{n:06d}"})
    start_sync(app, "kiot", ["link", "push"])

    with app.app_context():
        initial_sync.run_due(app, db.session, "worker-1")
    waiting = sync_progress(app, "kiot")
    assert (waiting["status"], waiting["phases"][0]["done"]) == ("running", 200)  # two GETs, the hour's allowance
    assert "rate limited" in waiting["last_error"]
    frozen_clock.advance(hours=1)  # the last page and the newcomer's look-up fit in the next hour's two
    progress = drive(app, frozen_clock, "kiot")

    assert progress["phases"][0]["counts"] == {"by_phone": 1, "created": 249}
    assert crm_links(app, "kiot")[str(lan["id"])] == verified
    assert kiotviet.customers[lan["id"]]["name"] == "Lan"  # the profile's own name, pushed onto KiotViet's record
    assert kiotviet.created == [newcomer], "a linked customer was created again at KiotViet"
    assert len(kiotviet.customers) == 251 and kiotviet.violations == []
