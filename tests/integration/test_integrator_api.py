"""Integrators with API keys over HTTP: a customer kept by its CRM id (made once, updated after, the same body
twice changing nothing), a CRM phone that is a Zalo user's verified one giving that user nothing, and orders
pushed for a connector linking to the CRM id's profile, once however often they are pushed."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm_sync.admin import save_connector
from miniapp_api.extensions import db
from miniapp_api.models import Customer, Order, OutboxEvent
from tests.customer_helpers import call
from tests.helpers import bearer, open_session
from tests.staff_helpers import staff_headers

SECRET = "whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ="


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, "owner")


@pytest.fixture
def crm(app, client, owner):
    """Connector `kiot` and an API key for it with `customers:write` and `orders:write`."""
    with app.app_context():
        save_connector(db.session, app.config["SECRET_KEY"], "kiot", "webhook", base_url="http://127.0.0.1:9",
                       credentials={"secret": SECRET})
        db.session.commit()
    status, key = call(client, "POST", "/api-keys", owner, json={"name": "kiot",
                                                                 "scopes": ["customers:write", "orders:write"]})
    assert status == 201, key
    return {"Authorization": f"Bearer {key['secret']}"}


def _put(client, headers, crm_id: str, body: dict, connector: str = "kiot"):
    response = client.put(f"/api/v1/customers/crm/{connector}/{crm_id}", json=body, headers=headers)
    try:
        return response.status_code, response.get_json()
    finally:
        response.close()


def _events(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent))


def test_a_customer_is_kept_by_its_crm_id(app, client, crm):
    body = {"full_name": "Trần Văn Bình", "phone": "0912 000 111", "province": "Đà Nẵng",
            "attributes": {"hang": "vang"}}
    status, made = _put(client, crm, "KH0042", body)
    assert status == 200 and made["created"] is True, made
    assert (made["full_name"], made["phone"], made["attributes"]) == ("Trần Văn Bình", "+84912000111", {"hang": "vang"})
    assert made["phones"] == [{"e164": "+84912000111", "verified": False}]  # the CRM's claim, not proof
    events = _events(app)
    status, again = _put(client, crm, "KH0042", body)
    assert status == 200 and again["created"] is False and again["ref"] == made["ref"]
    assert _events(app) == events  # nothing changed, nothing published
    status, renamed = _put(client, crm, "KH0042", {"full_name": "Trần Văn Bình (VIP)"})
    assert renamed["ref"] == made["ref"] and renamed["full_name"] == "Trần Văn Bình (VIP)"
    assert _events(app) == events + 1  # connectors get the new snapshot


def test_a_crm_phone_gives_a_zalo_user_nothing(app, client, zalo, crm):
    user = zalo.create_user("Ngô Thị Lan", phone="84912000222")
    session = open_session(client, zalo, user)
    token, code = zalo.issue_access_token(user.app_user_id), zalo.issue_phone_code(user.app_user_id)
    assert client.post("/api/v1/miniapp/phone", json={"access_token": token, "code": code},
                       headers=bearer(session)).status_code == 200
    status, crm_view = _put(client, crm, "KH9", {"full_name": "Người Khác", "phone": "0912 000 222",
                                                 "address": "99 Lê Lợi"})
    assert status == 200 and crm_view["ref"] != session["customer"]["ref"]
    me = client.get("/api/v1/miniapp/me", headers=bearer(session)).get_json()["customer"]
    assert me["ref"] == session["customer"]["ref"] and me["address"] is None
    with app.app_context():
        lan = db.session.scalar(sa.select(Customer).where(Customer.ref == session["customer"]["ref"]))
        assert lan.full_name != "Người Khác" and lan.merged_into_id is None


def test_bad_calls_are_named(client, crm, owner):
    assert _put(client, crm, "KH1", {"phone": "not a phone"})[1]["errors"].keys() == {"phone"}
    assert _put(client, crm, "X" * 80, {})[1]["errors"].keys() == {"crm_id"}
    assert _put(client, crm, "KH1", {}, connector="nope")[0] == 404
    status, key = call(client, "POST", "/api-keys", owner, json={"name": "ro", "scopes": ["customers:read"]})
    assert _put(client, {"Authorization": f"Bearer {key['secret']}"}, "KH1", {})[0] == 403


def test_orders_pushed_link_to_the_crm_ids_profile_once(app, client, crm, owner):
    made = _put(client, crm, "KH0042", {"full_name": "Trần Văn Bình"})[1]
    push = {"orders": [{"id": "HD001", "status": "paid", "updated_at": "2026-12-01T03:00:00Z", "total": 1250000,
                        "customer_id": "KH0042", "items": [{"sku": "AO-1", "qty": 2}]}]}
    for _ in range(2):
        response = client.post("/api/v1/orders/kiot", json=push, headers=crm)
        assert (response.status_code, response.get_json()) == (200, {"received": 1})
        response.close()
    with app.app_context():
        orders = db.session.execute(sa.select(Order.external_id, Customer.ref, Order.total_vnd)
                                    .join(Customer, Customer.id == Order.customer_id)).all()
    assert orders == [("HD001", made["ref"], 1250000)]
    status, detail = call(client, "GET", f"/customers/{made['ref']}", owner)
    assert detail["crm_ids"] == [{"connector": "kiot", "id": "KH0042"}]  # shown on the customer 360
    response = client.post("/api/v1/orders/kiot", json={"orders": [{"id": "HD002", "status": "paid"}]}, headers=crm)
    assert response.status_code == 422 and "updated_at" in response.get_json()["detail"]
    response.close()
    response = client.post("/api/v1/orders/nope", json=push, headers=crm)
    assert response.status_code == 404
    response.close()
