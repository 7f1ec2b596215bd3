"""Say what you do, do what you say: every problem has a documented stable type, Vietnamese when asked;
only scopes that guard something are offered; API keys are told plainly what they cannot do; key uses are visible."""
from __future__ import annotations

import pathlib
import re

import pytest

from miniapp_api.errors import PROBLEM_TYPE_PREFIX, PROBLEM_TYPES
from miniapp_api.extensions import db
from miniapp_api.models.customer import PHONE
from miniapp_api.services.customers.profiles import Claim, resolve_profile
from miniapp_api.models.staff import SCOPES
from tests.inbox_helpers import BASE, call, open_conversation
from tests.staff_helpers import auth, login, make_staff, staff_headers
from tests.sync_helpers import new_customer

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "problems.md"
VI = {"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}


def test_every_problem_type_is_documented_in_one_place_and_nothing_else_is(app):
    documented = set(re.findall(r"`(urn:problem:[^`]+)`", DOC.read_text(encoding="utf-8")))
    registered = {kind.uri for kind in PROBLEM_TYPES.values()}
    assert registered == documented
    assert all(kind.uri.startswith(PROBLEM_TYPE_PREFIX) and kind.title_vi and kind.detail_vi
               for kind in PROBLEM_TYPES.values())


def test_problems_are_vietnamese_when_the_request_asks(client):
    english = client.get("/api/v1/admin/staff")
    assert english.status_code == 401 and english.headers["Content-Language"] == "en"
    assert english.get_json()["type"] == "urn:problem:unauthorized"
    vietnamese = client.get("/api/v1/admin/staff", headers=VI)
    body = vietnamese.get_json()
    assert vietnamese.headers["Content-Language"] == "vi" and "Accept-Language" in vietnamese.headers["Vary"]
    assert body["type"] == "urn:problem:unauthorized"
    assert body["title"] == "Chưa xác thực" and body["detail"].startswith("Hãy đăng nhập")
    missing = client.get("/no/such/page", headers=VI).get_json()
    assert missing["type"] == "urn:problem:not-found" and missing["title"] == "Không tìm thấy"


def test_only_scopes_that_guard_a_route_are_offered(app, client):
    guarding = {getattr(view, "__access__", {}).get("scope") for view in app.view_functions.values()} - {None}
    assert set(SCOPES) == guarding
    owner = staff_headers(app, client, "owner")
    for scope in ("orders:delete", "events:write"):
        status, body = call(client, "POST", "/api/v1/admin/api-keys", owner, json={"name": "k", "scopes": [scope]})
        assert status == 422 and body["type"] == "urn:problem:validation" and "scopes" in body["errors"], body


def test_an_api_key_is_told_what_it_cannot_do_and_its_uses_are_listed(app, client):
    owner = staff_headers(app, client, "owner")
    status, key = call(client, "POST", "/api/v1/admin/api-keys", owner,
                       json={"name": "crm", "scopes": ["customers:read"]})
    assert status == 201
    bearer = {"Authorization": f"Bearer {key['secret']}"}
    status, body = call(client, "GET", "/api/v1/admin/staff", bearer)
    assert status == 403 and body["type"] == "urn:problem:staff-only" and "None" not in body["detail"]
    status, body = call(client, "GET", "/api/v1/admin/conversations", bearer)
    assert status == 403 and body["type"] == "urn:problem:scope-required"
    assert body["detail"] == "This needs scope conversations:read."
    assert call(client, "GET", "/api/v1/admin/customers", bearer)[0] == 200
    status, uses = call(client, "GET", f"/api/v1/admin/api-keys/{key['id']}/uses", owner)
    assert status == 200
    assert [(u["method"], u["path"]) for u in uses] == [("GET", "/api/v1/admin/customers"),
                                                       ("GET", "/api/v1/admin/conversations"),
                                                       ("GET", "/api/v1/admin/staff")]
    assert all(u["at"] and u["ip"] for u in uses)
    older = call(client, "GET", f"/api/v1/admin/api-keys/{key['id']}/uses?before_id={uses[0]['id']}&limit=1", owner)
    assert [u["id"] for u in older[1]] == [uses[1]["id"]]
    assert call(client, "GET", "/api/v1/admin/api-keys/999/uses", owner)[1]["type"] == "urn:problem:not-found"


@pytest.fixture
def two_agents(app, client):
    make_staff(app, "agent", "lan@shop.vn", name="Lan")
    make_staff(app, "agent", "minh@shop.vn", name="Minh")
    return auth(login(client, "lan@shop.vn")), auth(login(client, "minh@shop.vn"))


def test_conflicts_say_which_conflict_it_is(app, client, oa, two_agents):
    lan, minh = two_agents
    owner = staff_headers(app, client, "owner")
    cid = open_conversation(app, client, oa)
    assert call(client, "POST", f"{BASE}/{cid}/claim", lan)[0] == 200

    status, hidden = call(client, "POST", f"{BASE}/{cid}/reply", minh, json={"text": "Dạ", "take_over": True})
    assert status == 404 and hidden["type"] == "urn:problem:not-found"  # an agent learns nothing of it
    status, held = call(client, "POST", f"{BASE}/{cid}/reply", owner, json={"text": "Dạ"})
    assert status == 409 and held["type"] == "urn:problem:conversation-held"
    assert held["holder"]["name"] == "Lan"
    status, vi = call(client, "POST", f"{BASE}/{cid}/claim", {**owner, **VI})
    assert vi["type"] == "urn:problem:conversation-held" and vi["detail"] == f"Cuộc hội thoại {cid} đang do Lan xử lý."

    assert call(client, "POST", f"{BASE}/{cid}/close", owner)[0] == 200
    status, closed = call(client, "POST", f"{BASE}/{cid}/reply", owner, json={"text": "Dạ"})
    assert status == 409 and closed["type"] == "urn:problem:conversation-closed"
    status, closed_vi = call(client, "POST", f"{BASE}/{cid}/reply", {**owner, **VI}, json={"text": "Dạ"})
    assert closed_vi["title"] == "Cuộc hội thoại đã đóng"


def test_customer_conflicts_say_merged_or_erased(app, client):
    owner = staff_headers(app, client, "owner")
    survivor = new_customer(app, "+84912345678")
    with app.app_context():  # an unverified phone: nothing stops the merge
        merged = resolve_profile(db.session, [Claim(PHONE, "+84987654321", False, "test")], facts={}).customer.ref
        db.session.commit()
    merge = call(client, "POST", f"/api/v1/admin/customers/{survivor}/merge", owner, json={"other_ref": merged})
    assert merge[0] == 200
    status, body = call(client, "PATCH", f"/api/v1/admin/customers/{merged}", owner, json={"full_name": "X"})
    assert status == 409 and body["type"] == "urn:problem:customer-merged" and body["merged_into"] == survivor
    assert call(client, "POST", f"/api/v1/admin/customers/{survivor}/erase", owner)[0] == 200
    status, body = call(client, "POST", f"/api/v1/admin/customers/{survivor}/erase", {**owner, **VI})
    assert status == 409 and body["type"] == "urn:problem:customer-erased"
    assert body["title"] == "Khách hàng đã bị xóa dữ liệu"
