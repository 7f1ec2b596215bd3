"""The initial sync at a shop's scale: 10,000 profiles and 10,000 CRM customers sharing 30 % of their phones
(half of those phones verified by Zalo, half only typed), a worker killed half-way through linking and another
taking over. Every CRM record ends linked to one profile and holding one ref, only verified phones link, nobody
is created twice, at ShopOne or here, and the progress said where it stood."""
from __future__ import annotations

import sqlalchemy as sa

from crm_sync import initial_sync
from miniapp_api import clock
from miniapp_api.extensions import db
from miniapp_api.models import Customer, CustomerIdentity, ProfileConflict
from miniapp_api.models.customer import CRM, PHONE, ZALO_APP

from initial_sync_helpers import crm_links, drive, killed_mid_page, start_sync, sync_progress
from sync_helpers import add_shopone

PROFILES = CRM_CUSTOMERS = 10_000
SHARED = 3_000  # CRM customers whose phone a profile holds: even ones verified, odd ones typed


def _phone(i: int) -> str:
    return f"+8491{i:07d}"


def _seed_profiles() -> None:
    """10,000 Mini App users as bulk rows (what channels would have made, without 10,000 requests' time)."""
    now = clock.now()
    rows = [{"ref": f"cus_scale{i:05d}", "attributes": {}, "field_sources": {}, "source": "miniapp",
             "created_at": now, "updated_at": now} for i in range(PROFILES)]
    ids = dict(db.session.execute(sa.insert(Customer).returning(Customer.ref, Customer.id), rows).all())
    identities = []
    for i in range(PROFILES):
        customer_id = ids[f"cus_scale{i:05d}"]
        identities.append({"customer_id": customer_id, "kind": ZALO_APP, "value": f"scale-app-{i}",
                           "verified": True, "source": "miniapp", "created_at": now})
        identities.append({"customer_id": customer_id, "kind": PHONE, "value": _phone(i),
                           "verified": i % 2 == 0, "source": "miniapp", "created_at": now})
    db.session.execute(sa.insert(CustomerIdentity), identities)
    db.session.commit()


def test_ten_thousand_by_ten_thousand_with_a_worker_killed_half_way(app, shopone, frozen_clock, monkeypatch):
    add_shopone(app, shopone, batch_size=100)
    with app.app_context():
        _seed_profiles()
    with shopone.lock:
        for j in range(CRM_CUSTOMERS):
            phone = _phone(j) if j < SHARED else f"+8498{j:07d}"
            shopone.add_native({"name": f"Khách CRM {j}", "phone": "0" + phone[3:]})
    start_sync(app, "shopone")

    # Worker 1 links half, then is killed in the middle of a page.
    with app.app_context():
        initial_sync.run_due(app, db.session, "worker-1", max_pages=50, slice_seconds=600)
    killed_mid_page(app, monkeypatch, linked=30)

    frozen_clock.advance(seconds=50)
    halfway = sync_progress(app, "shopone")
    link = halfway["phases"][0]
    assert (halfway["status"], link["state"], link["done"], link["total"]) == ("running", "running", 5_000, 10_000)
    assert link["rate_per_second"] == 100.0 and link["eta_seconds"] == 50

    progress = drive(app, frozen_clock, "shopone", owner="worker-2")  # after the dead worker's lease lapsed

    by_phase = {p["phase"]: p for p in progress["phases"]}
    assert progress["status"] == "done"
    assert by_phase["link"]["counts"] == {"by_phone": SHARED // 2, "created": CRM_CUSTOMERS - SHARED // 2}
    assert by_phase["link"]["done"] == CRM_CUSTOMERS
    everyone = PROFILES + CRM_CUSTOMERS - SHARED // 2
    assert (by_phase["push"]["done"], by_phase["push"]["total"]) == (everyone, everyone)

    links = crm_links(app, "shopone")
    assert len(links) == CRM_CUSTOMERS and len(set(links.values())) == CRM_CUSTOMERS
    natives = [f"so_{j + 1:06d}" for j in range(CRM_CUSTOMERS)]
    for j in range(SHARED):
        owner = links[natives[j]]
        if j % 2 == 0:
            assert owner == f"cus_scale{j:05d}", f"CRM customer {j} did not link to the verified phone's holder"
        else:
            assert owner != f"cus_scale{j:05d}", f"a typed phone gave CRM customer {j} to a Zalo user"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == everyone
        typed_holders = sa.select(CustomerIdentity.customer_id).where(
            CustomerIdentity.kind == PHONE, CustomerIdentity.verified.is_(False),
            CustomerIdentity.value.in_([_phone(j) for j in range(1, SHARED, 2)]))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomerIdentity).where(
            CustomerIdentity.kind == CRM, CustomerIdentity.customer_id.in_(typed_holders))) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProfileConflict)) == SHARED // 2

    # At ShopOne: every record of the shop's kept (those linked by phone now carry our ref; those profiles were made
    # from are not echoed back), one new record per profile no record matched.
    assert len(shopone.natives) == CRM_CUSTOMERS - SHARED // 2
    assert len(shopone.listed) == everyone and len(shopone.customers) == PROFILES
    assert len(shopone.applied) == len({entry["key"] for entry in shopone.applied})
