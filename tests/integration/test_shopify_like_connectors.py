"""Haravan and Sapo over HTTP against their emulator, each flavour the same tests: customers found by their
`zalo:<ref>` tag before they are created, so every fault (500, 429 with Retry-After, a hang, a create accepted
and then dropped) ends with each customer created exactly once; the platform's bucket never overflowed (the
emulator counts; the connector reads the call-limit header and holds back); orders pulled back."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm_sync.admin import save_connector
from miniapp_api.extensions import db
from miniapp_api.models import Customer, Order
from sandbox.server import BackgroundServer
from sandbox.shopify_like import ShopifyLikeState, create_shopify_like_app
from tests.sync_helpers import connector, new_customer, phones, rename, statuses, sync

TOKEN = "shpat_test"


@pytest.fixture(params=["haravan", "sapo"])
def platform(request):
    """(flavour, its emulator state), a small fast bucket so the tests can fill it: 6 calls leaking 30 a second."""
    state = ShopifyLikeState(TOKEN, bucket=6, leak=30.0)
    with BackgroundServer(create_shopify_like_app(state, request.param)) as server:
        state.url = server.url
        yield request.param, state
        state.release.set()


def add(app, platform, **settings) -> None:
    kind, state = platform
    credentials = {"access_token": settings.pop("token", TOKEN)}
    with app.app_context():
        save_connector(db.session, app.config["SECRET_KEY"], "shop", kind, base_url=state.url,
                       credentials=credentials, rate_limit_per_second=0, **settings)
        db.session.commit()


def test_customers_are_created_once_then_updated_and_the_bucket_never_overflows(app, platform):
    _, state = platform
    add(app, platform)
    refs = [new_customer(app, p, name=f"Khách {n}") for n, p in enumerate(phones(10))]
    assert sync(app, "shop")[0][0][1:4] == (10, 0, 0)
    assert sorted(state.created) == sorted(f"zalo:{ref}" for ref in refs)
    first = state.search(f"tag:zalo:{refs[0]}")[0]
    assert (first["first_name"], first["phone"]) == ("Khách 0", "0910000000")
    rename(app, refs[0], "Khách Vàng")
    sync(app, "shop")
    assert state.search(f"tag:zalo:{refs[0]}")[0]["first_name"] == "Khách Vàng"
    assert len(state.created) == 10 and state.overflows == 0  # 21 calls through a bucket of 6


@pytest.mark.parametrize("fault", ["fail_next", "throttle_next", "hang_next", "drop_next"])
def test_every_fault_ends_with_each_customer_created_once(app, platform, frozen_clock, fault):
    _, state = platform
    add(app, platform, read_timeout=0.3)
    state.fault_methods = {"POST"}
    state.faults[fault], state.hang_seconds, state.retry_after = 1, 1.0, 60
    refs = [new_customer(app, p) for p in phones(3)]
    sync(app, "shop")
    state.release.set()
    for _ in range(3):
        frozen_clock.advance(seconds=400)
        sync(app, "shop")
    assert sorted(state.created) == sorted(f"zalo:{ref}" for ref in refs), state.created
    assert statuses(app, "shop") == {"done": 3}


def test_a_refused_token_pauses_the_connector(app, platform):
    add(app, platform, token="wrong")
    new_customer(app, phones(1)[0])
    sync(app, "shop")
    assert connector(app, "shop").paused_reason and platform[1].created == []


def test_orders_come_back_linked_by_the_tag_or_the_platforms_customer_id(app, platform):
    _, state = platform
    add(app, platform, pull_orders=True)
    ref = new_customer(app, phones(1)[0])
    sync(app, "shop")
    mine = state.search(f"tag:zalo:{ref}")[0]
    state.orders += [
        {"id": 1, "name": "#1001", "updated_at": "2026-11-01T03:00:00Z", "financial_status": "paid",
         "total_price": "1250000.0", "customer": {"id": mine["id"], "tags": f"vip, zalo:{ref}"}},
        {"id": 2, "name": "#1002", "updated_at": "2026-11-01T04:00:00Z", "financial_status": "pending",
         "cancelled_at": "2026-11-01T04:00:00Z", "total_price": "90000", "customer": {"id": 777, "tags": ""}}]
    runs, _ = sync(app, "shop")
    assert runs[1][:2] == ("pull", 2)
    with app.app_context():
        orders = db.session.execute(sa.select(Order.external_id, Order.status, Order.total_vnd, Customer.ref)
                                    .outerjoin(Customer, Customer.id == Order.customer_id)
                                    .order_by(Order.external_id)).all()
    assert orders[0] == ("#1001", "paid", 1250000, ref)
    assert orders[1][:3] == ("#1002", "cancelled", 90000)


def test_initial_sync_lists_the_platforms_customers_links_them_and_pushes_onto_them(app, platform, frozen_clock):
    from tests.initial_sync_helpers import crm_links, drive, start_sync, zalo_user

    _, state = platform
    add(app, platform, batch_size=100)
    with app.app_context():
        verified = zalo_user("app-1", "+84908000001", name="Lan")
        newcomer = zalo_user("app-2")
        db.session.commit()
    lan = state.seed({"first_name": "Lan", "last_name": "Nguyễn", "phone": "0908000001", "tags": "vip"})
    for n in range(299):  # two pages of the listing's 250
        state.seed({"first_name": f"Khách {n}", "phone": f"0909{n:06d}"})
    start_sync(app, "shop", ["link", "push"])
    progress = drive(app, frozen_clock, "shop")

    assert progress["phases"][0]["counts"] == {"by_phone": 1, "created": 299}
    assert progress["phases"][0]["total"] == 300
    assert crm_links(app, "shop")[str(lan["id"])] == verified
    assert state.customers[lan["id"]]["tags"] == "vip"  # an update leaves the shop's tags alone
    assert state.created == [f"zalo:{newcomer}"], "a linked customer was created again"
    assert len(state.customers) == 301 and state.overflows == 0
