"""Tags mirrored to the OA's tags through the outbound queue, and segments with live counts."""
import datetime as dt

import pytest
import sqlalchemy as sa

from miniapp_api import clock
from miniapp_api.extensions import db
from miniapp_api.models import Customer, OaContact, OaOutbound
from miniapp_api.models.customer import PHONE, ZALO_OA
from miniapp_api.services.customers.consents import record_consent
from miniapp_api.services.customers.profiles import Claim, resolve_profile
from tests.customer_helpers import call, full_customer
from tests.oa_helpers import run_worker
from tests.staff_helpers import staff_headers


def test_tags_are_mirrored_to_the_oa_after_the_worker_runs(app, client, oa):
    owner = staff_headers(app, client, "owner")
    person = full_customer(client, app, oa, order=False)
    ref, uid = person["ref"], person["user"].oa_user_id
    assert call(client, "POST", "/tags", owner, json={"name": "Khách sỉ"})[0] == 201
    assert call(client, "POST", "/tags", owner, json={"name": "Khách sỉ"})[0] == 409
    assert call(client, "POST", f"/customers/{ref}/tags/chưa-có", owner)[0] == 404

    status, body = call(client, "POST", f"/customers/{ref}/tags/Khách sỉ", owner)
    assert status == 200 and body["tags"] == ["Khách sỉ"]
    call(client, "POST", f"/customers/{ref}/tags/Khách sỉ", owner)  # idempotent: no second call queued
    assert oa.tags == {}
    run_worker(app)
    assert oa.tags == {"Khách sỉ": {uid}}
    assert len([r for r in oa.requests if r["path"] == "/v2.0/oa/tag/tagfollower"]) == 1

    status, tags = call(client, "GET", "/tags", owner)
    assert [(t["name"], t["customers"]) for t in tags] == [("Khách sỉ", 1)]
    assert call(client, "DELETE", f"/customers/{ref}/tags/Khách sỉ", owner)[1]["tags"] == []
    run_worker(app)
    assert oa.tags == {"Khách sỉ": set()}

    # Added and removed again before the worker ran: the stale add is skipped, the OA ends untagged.
    call(client, "POST", f"/customers/{ref}/tags/Khách sỉ", owner)
    call(client, "DELETE", f"/customers/{ref}/tags/Khách sỉ", owner)
    run_worker(app)
    assert oa.tags == {"Khách sỉ": set()}
    with app.app_context():
        kinds = db.session.execute(sa.select(OaOutbound.kind, OaOutbound.status)
                                   .where(OaOutbound.reason == "tag_mirror").order_by(OaOutbound.id)).all()
    assert kinds == [("tag_add", "done"), ("tag_remove", "done"), ("tag_add", "ignored"), ("tag_remove", "done")]


def test_customers_without_an_oa_id_are_tagged_locally_only(app, client):
    owner = staff_headers(app, client, "owner")
    with app.app_context():
        ref = resolve_profile(db.session, [Claim(PHONE, "+84900000002", False, "pos")]).customer.ref
        db.session.commit()
    call(client, "POST", "/tags", owner, json={"name": "pos"})
    assert call(client, "POST", f"/customers/{ref}/tags/pos", owner)[1]["tags"] == ["pos"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OaOutbound)) == 0


@pytest.fixture
def three(app, client, oa, frozen_clock):
    """A: everything (Mini App + chat + order, consented, Hà Nội, tagged vip). B: CRM-only, Đà Nẵng, phone.
    C: OA-only, last chat 30 days ago, consent withdrawn, no phone."""
    owner = staff_headers(app, client, "owner")
    a = full_customer(client, app, oa)["ref"]
    with app.app_context():
        b = resolve_profile(db.session, [Claim(PHONE, "+84900000003", False, "crm:pos")],
                            facts={"province": "Đà Nẵng"}, source="crm").customer
        c = resolve_profile(db.session, [Claim(ZALO_OA, "7770001", True, "oa_webhook")], source="zalo_oa").customer
        db.session.add(OaContact(oa_user_id="7770001", customer_id=c.id,
                                 last_interaction_at=clock.now() - dt.timedelta(days=30)))
        record_consent(db.session, c.id, "marketing", True, source="test")
        frozen_clock.advance(seconds=1)
        record_consent(db.session, c.id, "marketing", False, source="test")
        b, c = b.ref, c.ref
        db.session.commit()
    call(client, "POST", "/tags", owner, json={"name": "vip"})
    call(client, "POST", f"/customers/{a}/tags/vip", owner)
    call(client, "POST", f"/customers/{b}/pipeline", owner, json={"status": "customer"})
    return owner, {"A": a, "B": b, "C": c}


FILTERS = [
    ({}, "ABC"),
    ({"tags": ["vip"]}, "A"),
    ({"exclude_tags": ["vip"]}, "BC"),
    ({"source": ["crm", "zalo_oa"]}, "BC"),
    ({"province": ["Hà Nội"]}, "A"),
    ({"pipeline_status": ["customer"]}, "B"),
    ({"pipeline_status": ["new"], "has_phone": True}, "A"),
    ({"last_interaction_within_days": 7}, "A"),
    ({"last_interaction_before": "2026-10-25T00:00:00+00:00"}, "C"),
    ({"last_interaction_after": "2026-10-01T00:00:00+00:00"}, "AC"),
    ({"has_phone": False}, "C"),
    ({"consented": True}, "A"),
    ({"consented": False}, "BC"),
    ({"has_orders": True}, "A"),
    ({"has_orders": False, "has_phone": True}, "B"),
]


@pytest.mark.parametrize("spec,expected", FILTERS, ids=[str(f[0]) for f in FILTERS])
def test_each_filter_as_a_segment_and_in_the_list(app, client, three, spec, expected):
    owner, refs = three
    status, segment = call(client, "POST", "/segments", owner, json={"name": "s", "filter": spec})
    assert status == 201, segment
    assert segment["count"] == len(expected)
    status, detail = call(client, "GET", f"/segments/{segment['id']}", owner)
    assert {c["ref"] for c in detail["customers"]["items"]} == {refs[k] for k in expected}
    status, page = call(client, "GET", "/customers", owner, query_string={**spec, "limit": 50})
    assert status == 200 and {c["ref"] for c in page["items"]} == {refs[k] for k in expected}


def test_segment_counts_are_live_and_listed(app, client, three):
    owner, refs = three
    _, segment = call(client, "POST", "/segments", owner, json={"name": "VIP", "filter": {"tags": ["vip"]}})
    assert call(client, "POST", "/segments", owner, json={"name": "VIP", "filter": {}})[0] == 409
    assert call(client, "POST", "/segments", owner, json={"name": "x", "filter": {"has_phone": "maybe"}})[0] == 422
    call(client, "POST", f"/customers/{refs['B']}/tags/vip", owner)
    status, listed = call(client, "GET", "/segments", owner)
    assert [(s["name"], s["count"]) for s in listed] == [("VIP", 2)]
    status, page = call(client, "GET", "/customers", owner, query_string={"segment": segment["id"],
                                                                          "province": "Đà Nẵng"})
    assert [c["ref"] for c in page["items"]] == [refs["B"]]
    assert call(client, "DELETE", f"/segments/{segment['id']}", owner)[0] == 204
    assert call(client, "GET", f"/segments/{segment['id']}", owner)[0] == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 3
