"""The Nhanh.vn connector over HTTP against its emulator, on a frozen clock: customers go out in batches of up to
50, keyed by mobile as Nhanh keys them, so every fault (500, ERR_429 with its lock, a hang, a batch accepted and
then dropped) ends with each customer created exactly once; the 150-calls-in-30-seconds limit is never crossed
(the emulator counts); a refused token pauses the connector; the initial sync lists Nhanh's customers and links
them."""
from __future__ import annotations

import pytest

from crm_sync.admin import save_connector
from miniapp_api.extensions import db
from sandbox.nhanh import NhanhState, create_nhanh_app
from sandbox.server import BackgroundServer
from tests.initial_sync_helpers import crm_links, drive, start_sync, zalo_user
from tests.sync_helpers import connector, new_customer, phones, rename, statuses, sync

CREDENTIALS = ("4401", "9921", "nhanh-token")


@pytest.fixture
def nhanh(frozen_clock):
    state = NhanhState(*CREDENTIALS)
    state.clock = lambda: frozen_clock.now().timestamp()
    with BackgroundServer(create_nhanh_app(state)) as server:
        state.url = server.url
        yield state
        state.release.set()


def add_nhanh(app, nhanh, token=CREDENTIALS[2], **settings) -> None:
    credentials = {"app_id": CREDENTIALS[0], "business_id": CREDENTIALS[1], "access_token": token}
    with app.app_context():
        save_connector(db.session, app.config["SECRET_KEY"], "nhanh", "nhanh", base_url=nhanh.url,
                       credentials=credentials, **{"rate_limit_per_second": 5, "batch_size": 100, **settings})
        db.session.commit()


def test_customers_go_in_batches_keyed_by_mobile_and_are_updated_in_place(app, nhanh):
    add_nhanh(app, nhanh)
    refs = [new_customer(app, p, name=f"Khách {n}") for n, p in enumerate(phones(120))]
    assert sync(app, "nhanh")[0][0][1:4] == (120, 0, 0)
    assert len(nhanh.calls) == 3 and len(nhanh.writes) == 120  # 50 + 50 + 20
    assert nhanh.customers["0910000000"]["name"] == "Khách 0"
    rename(app, refs[0], "Khách Vàng")
    sync(app, "nhanh")
    assert nhanh.customers["0910000000"]["name"] == "Khách Vàng" and len(nhanh.writes) == 120
    assert nhanh.violations == []


def test_a_profile_without_a_mobile_is_not_sent_and_does_not_become_a_dead_letter(app, nhanh):
    add_nhanh(app, nhanh)
    with app.app_context():
        zalo_user("app-1")
        db.session.commit()
    new_customer(app, "+84910000001")
    sync(app, "nhanh")
    assert list(nhanh.customers) == ["0910000001"] and statuses(app, "nhanh").get("dead", 0) == 0


@pytest.mark.parametrize("fault", ["fail_next", "throttle_next", "hang_next", "drop_next"])
def test_every_fault_ends_with_each_customer_created_once(app, nhanh, frozen_clock, fault):
    add_nhanh(app, nhanh, read_timeout=0.3, retry_schedule="5,60,300")
    nhanh.faults[fault], nhanh.hang_seconds, nhanh.retry_after = 1, 1.0, 20
    for p in phones(60):
        new_customer(app, p)
    sync(app, "nhanh")
    nhanh.release.set()
    for _ in range(4):
        frozen_clock.advance(seconds=61)
        sync(app, "nhanh")
    assert statuses(app, "nhanh") == {"done": 60}
    assert sorted(nhanh.writes) == sorted({c for c in nhanh.customers}) and len(nhanh.writes) == 60
    assert nhanh.violations == []


def test_after_err_429_nothing_is_called_until_the_lock_lifts(app, nhanh, frozen_clock):
    add_nhanh(app, nhanh, rate_limit_per_second=0, batch_size=1, batch_calls=False)  # no limit of our own
    nhanh.limit = 10
    for p in phones(25):
        new_customer(app, p)
    sync(app, "nhanh")
    assert (len(nhanh.writes), len(nhanh.violations)) == (10, 1)  # the eleventh call was refused
    sync(app, "nhanh")
    assert len(nhanh.violations) == 1, "the connector called again while Nhanh had it locked"
    for _ in range(3):
        frozen_clock.advance(seconds=31)
        sync(app, "nhanh")
    assert statuses(app, "nhanh") == {"done": 25} and len(nhanh.writes) == 25


def test_a_new_nhanh_connector_stays_under_the_documented_limit(app, nhanh):
    add_nhanh(app, nhanh, rate_limit_per_second=None)
    assert connector(app, "nhanh").rate_limit_per_second == 4.5  # 150 calls in 30 s, with its burst


def test_a_typed_phone_is_never_sent_as_the_key_of_someone_elses_record(app, nhanh):
    add_nhanh(app, nhanh)
    owner = nhanh.seed({"name": "Chủ số", "mobile": "0906000002"})
    with app.app_context():
        zalo_user("app-2", "+84906000002", verified=False, name="Người gõ số")
        db.session.commit()
    sync(app, "nhanh")
    assert nhanh.customers["0906000002"] == owner and not nhanh.writes


def test_a_refused_token_pauses_the_connector(app, nhanh):
    add_nhanh(app, nhanh, token="expired")
    new_customer(app)
    sync(app, "nhanh")
    assert connector(app, "nhanh").paused_reason and not nhanh.writes


def test_initial_sync_lists_nhanhs_customers_and_links_them(app, nhanh, frozen_clock):
    add_nhanh(app, nhanh)
    with app.app_context():
        verified = zalo_user("app-1", "+84906000001", name="Lan")
        zalo_user("app-2", "+84906000002", verified=False)
        db.session.commit()
    lan = nhanh.seed({"name": "Lan Nhanh", "mobile": "0906000001"})
    nhanh.seed({"name": "Người khác", "mobile": "0906000002"})
    for n in range(118):
        nhanh.seed({"name": f"Khách {n}", "mobile": f"0907{n:06d}"})
    start_sync(app, "nhanh")
    progress = drive(app, frozen_clock, "nhanh")
    assert progress["phases"][0]["counts"] == {"by_phone": 1, "created": 119}
    assert crm_links(app, "nhanh")[str(lan["id"])] == verified
    assert nhanh.customers["0906000001"]["name"] == "Lan"  # the profile's own name, pushed onto it
    assert nhanh.customers["0906000002"]["name"] == "Người khác", "a typed phone overwrote someone's record"
    assert nhanh.writes == [] and nhanh.violations == []
