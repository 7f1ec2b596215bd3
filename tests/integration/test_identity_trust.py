"""A typed phone proves nothing: no profile takeover, no order news to a stranger, field provenance.

Each test plays the attack over the real HTTP surfaces (Mini App API, OA webhook, CRM pull from the
ShopOne emulator, Zalo emulator sends) on SQLite and PostgreSQL.
"""
import json

import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Customer, Order, OutboxEvent, ProfileConflict, ProfileMerge
from tests.helpers import bearer, contact_values, open_session, zalo_user
from tests.oa_helpers import customer_says, run_worker
from tests.staff_helpers import staff_headers
from tests.sync_helpers import add_shopone, sync

SUBMIT = "/api/v1/miniapp/forms/lien-he/submissions"
VICTIM_PHONE, VICTIM_NAME = "0912345678", "Phạm Thị Hằng"
STAFF_FACTS = {"email": "hang@congty.vn", "address": "45 Lý Thường Kiệt, Hà Nội",
               "attributes": {"vip_note": "Khách sỉ, hạn mức 50 triệu"}}
ATTACKER_NAME = "Kẻ Mạo Danh"


def _crm_victim(app, client, shopone, owner) -> str:
    """A customer the CRM created (its own id, phone, name) whom staff then completed (email, address, notes)."""
    add_shopone(app, shopone, pull_orders=True)
    shopone.put_order({"id": "SO-1", "status": "new", "customer_id": "KH-7", "phone": VICTIM_PHONE,
                       "customer_name": VICTIM_NAME, "total": 100000, "updated_at": "2026-11-01T02:00:00Z"})
    sync(app)
    with app.app_context():
        ref = db.session.scalar(sa.select(Customer.ref).join(Order, Order.customer_id == Customer.id))
    response = client.patch(f"/api/v1/admin/customers/{ref}", json=STAFF_FACTS, headers=owner)
    assert response.status_code == 200, response.get_json()
    sync(app)
    return ref


def _staff_victim(app, client, oa, owner) -> str:
    """A customer who only chatted with the OA; staff typed their phone, email, address and notes."""
    user = oa.create_user(VICTIM_NAME, phone=None)
    customer_says(client, oa, user, "text", text="Chị lấy 10 thùng nhé")
    run_worker(app)
    with app.app_context():
        ref = db.session.scalar(sa.select(Customer.ref))
    response = client.patch(f"/api/v1/admin/customers/{ref}",
                            json={"full_name": VICTIM_NAME, "phone": VICTIM_PHONE, **STAFF_FACTS}, headers=owner)
    assert response.status_code == 200, response.get_json()
    return ref


def _attacker_types(client, zalo, phone=VICTIM_PHONE) -> tuple[dict, dict]:
    """A new Mini App user types someone else's phone into the form; returns (submit answer, session)."""
    session = open_session(client, zalo, zalo_user(zalo, name="Kẻ gian", phone=None))
    response = client.post(SUBMIT, json={"values": contact_values(full_name=ATTACKER_NAME, phone=phone,
                                                                  email=None)}, headers=bearer(session))
    assert response.status_code == 201, response.get_json()
    return response.get_json(), session


def _assert_no_takeover(app, client, session, answer, victim_ref, owner, kind):
    assert answer["customer"]["ref"] != victim_ref
    me = client.get("/api/v1/miniapp/me", headers=bearer(session)).get_json()["customer"]
    shown = json.dumps(me, ensure_ascii=False)
    for secret in (STAFF_FACTS["email"], STAFF_FACTS["address"], "vip_note", VICTIM_NAME, "+84912345678"):
        assert secret not in shown
    assert me["ref"] != victim_ref and me["full_name"] == ATTACKER_NAME and me["phones"] == []
    victim = client.get(f"/api/v1/admin/customers/{victim_ref}", headers=owner).get_json()
    assert victim["full_name"] == VICTIM_NAME and victim["email"] == STAFF_FACTS["email"]
    assert victim["merged_into"] is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProfileMerge)) == 0
        conflict = db.session.scalar(sa.select(ProfileConflict))
        assert conflict.kind == kind and conflict.resolved_at is None
        assert conflict.claim == {"kind": "phone", "value": "+84912345678", "source": "form:lien-he",
                                  "verified": False, "claimed_by": me["ref"]}
        pair = {db.session.get(Customer, i).ref for i in (conflict.customer_id, conflict.other_customer_id)}
        assert pair == {victim_ref, me["ref"]}


def _names_pushed_for(shopone, ref) -> list:
    names = []
    for request in shopone.requests:
        body = request.get("body") or {}
        if request["path"] == f"/customers/{ref}" and request["method"] == "PUT":
            names.append(body.get("name"))
        names += [item["customer"].get("name") for item in body.get("items", []) if item.get("ref") == ref]
    return names


def test_typed_phone_of_a_crm_customer_is_a_conflict_not_a_takeover(app, client, zalo, shopone, frozen_clock):
    owner = staff_headers(app, client, "owner")
    victim_ref = _crm_victim(app, client, shopone, owner)
    answer, session = _attacker_types(client, zalo)
    _assert_no_takeover(app, client, session, answer, victim_ref, owner, kind="phone")
    sync(app)
    assert set(_names_pushed_for(shopone, victim_ref)) == {VICTIM_NAME}, "the victim's CRM record is untouched"
    assert shopone.customers[victim_ref]["name"] == VICTIM_NAME


def test_typed_phone_of_a_staff_completed_customer_is_a_conflict_not_a_takeover(app, client, oa):
    owner = staff_headers(app, client, "owner")
    victim_ref = _staff_victim(app, client, oa, owner)
    answer, session = _attacker_types(client, oa)
    # both are Zalo accounts (the victim's came through the OA): two different people, the typed phone recorded
    _assert_no_takeover(app, client, session, answer, victim_ref, owner, kind="zalo_app")
    with app.app_context():
        upserts = db.session.scalars(sa.select(OutboxEvent.payload).where(
            OutboxEvent.event_type == "customer.upserted", OutboxEvent.aggregate_id == victim_ref)).all()
        assert {p["full_name"] for p in upserts} <= {None, VICTIM_NAME}  # the typed name never reaches it


def test_a_verified_phone_merges_but_typed_values_never_overwrite_staff_ones(app, client, zalo, shopone,
                                                                            frozen_clock):
    """The real owner of the phone proves it through Zalo: one profile, staff's values kept, /me shows only
    what this Zalo account provided."""
    owner = staff_headers(app, client, "owner")
    victim_ref = _crm_victim(app, client, shopone, owner)
    user = zalo_user(zalo, name="Hằng", phone="84912345678")
    session = open_session(client, zalo, user)
    token, code = zalo.issue_access_token(user.app_user_id), zalo.issue_phone_code(user.app_user_id)
    shared = client.post("/api/v1/miniapp/phone", json={"access_token": token, "code": code}, headers=bearer(session))
    assert shared.get_json()["customer"]["ref"] == victim_ref  # verified by Zalo: the same person
    values = contact_values(full_name="Hằng gõ tên khác", phone=VICTIM_PHONE, email="khac@example.vn")
    response = client.post(SUBMIT, json={"values": values}, headers=bearer(session))
    assert response.status_code == 201
    profile = client.get(f"/api/v1/admin/customers/{victim_ref}", headers=owner).get_json()
    assert (profile["full_name"], profile["email"]) == (VICTIM_NAME, STAFF_FACTS["email"])
    me = client.get("/api/v1/miniapp/me", headers=bearer(session)).get_json()["customer"]
    assert me["ref"] == victim_ref and me["phones"] == [{"e164": "+84912345678", "verified": True}]
    assert (me["full_name"], me["email"], me["address"], me["attributes"]) == (None, None, None, {})
    assert "pipeline_status" not in me
    with app.app_context():
        assert db.session.scalar(sa.select(ProfileConflict.id)) is None


def _sent_texts(oa) -> list[str]:
    return [json.loads(r["body"])["message"].get("text", "") for r in oa.requests
            if r["path"] == "/v3.0/oa/message/cs"]


def _confirm_order(app, shopone, **order) -> None:
    add_shopone(app, shopone, pull_orders=True)
    shopone.put_order({"id": "SO-77", "status": "confirmed", "phone": VICTIM_PHONE, "total": 2500000,
                       "updated_at": "2026-11-01T02:00:00Z", **order})
    sync(app)
    run_worker(app)


def _status_outcomes(app) -> list[str]:
    with app.app_context():
        return [p["customer_notified"] for p in db.session.scalars(sa.select(OutboxEvent.payload).where(
            OutboxEvent.event_type == "order.status_changed").order_by(OutboxEvent.id))]


def test_order_for_a_typed_phone_is_not_linked_and_not_announced_to_the_typist(app, client, oa, shopone):
    session = open_session(client, oa, stranger := oa.create_user("Người lạ", phone="84900000001"))
    response = client.post(SUBMIT, json={"values": contact_values(full_name=ATTACKER_NAME, phone=VICTIM_PHONE)},
                           headers=bearer(session))
    assert response.status_code == 201 and response.get_json()["customer"]["phones"] == [
        {"e164": "+84912345678", "verified": False}]  # attached: nobody else holds it, and it grants nothing
    customer_says(client, oa, stranger, "text", text="Shop ơi, còn hàng không?")
    run_worker(app)
    _confirm_order(app, shopone)
    assert not [text for text in _sent_texts(oa) if "SO-77" in text]
    assert _status_outcomes(app) == ["no_customer"]
    with app.app_context():
        assert db.session.scalar(sa.select(Order.customer_id)) is None  # waits unlinked for staff


def test_order_linked_by_ref_is_announced_only_to_a_verified_phone(app, client, oa, shopone):
    """Even an order the CRM files under the typist's own ref (the CRM saw the typed phone on it) stays quiet."""
    session = open_session(client, oa, stranger := oa.create_user("Người lạ", phone="84900000001"))
    ref = client.post(SUBMIT, json={"values": contact_values(full_name=ATTACKER_NAME, phone=VICTIM_PHONE)},
                      headers=bearer(session)).get_json()["customer"]["ref"]
    customer_says(client, oa, stranger, "text", text="Shop ơi")
    run_worker(app)
    _confirm_order(app, shopone, customer_ref=ref)
    assert not [text for text in _sent_texts(oa) if "SO-77" in text]
    assert _status_outcomes(app) == ["phone_unverified"]


def test_the_verified_owner_of_the_phone_gets_the_confirmation(app, client, oa, shopone):
    owner = oa.create_user(VICTIM_NAME, phone="84912345678")
    session = open_session(client, oa, owner)
    token, code = oa.issue_access_token(owner.app_user_id), oa.issue_phone_code(owner.app_user_id)
    assert client.post("/api/v1/miniapp/phone", json={"access_token": token, "code": code},
                       headers=bearer(session)).status_code == 200
    client.post(SUBMIT, json={"values": contact_values(full_name=VICTIM_NAME)}, headers=bearer(session))
    customer_says(client, oa, owner, "text", text="Đơn của tôi sao rồi?")
    run_worker(app)
    _confirm_order(app, shopone)
    [sent] = [text for text in _sent_texts(oa) if "SO-77" in text]
    assert "Đơn hàng #SO-77 (2.500.000 đ) của bạn đã được xác nhận" in sent


def test_crm_customer_id_links_orders_and_a_typed_phone_does_not_join_them(app, client, zalo, shopone,
                                                                           frozen_clock):
    add_shopone(app, shopone, pull_orders=True)
    answer, _ = _attacker_types(client, zalo)  # the typist holds the phone first (unverified)
    for n, when in ((1, "2026-11-01T02:00:00Z"), (2, "2026-11-02T02:00:00Z")):
        shopone.put_order({"id": f"SO-{n}", "status": "new", "customer_id": "KH-7", "phone": VICTIM_PHONE,
                           "customer_name": VICTIM_NAME, "updated_at": when})
    sync(app)
    with app.app_context():
        linked = {db.session.get(Customer, o.customer_id).ref for o in db.session.scalars(sa.select(Order))}
        assert len(linked) == 1 and answer["customer"]["ref"] not in linked
        [crm_profile] = [db.session.scalar(sa.select(Customer).where(Customer.ref == ref)) for ref in linked]
        assert crm_profile.full_name == VICTIM_NAME and crm_profile.field_sources == {"full_name": "crm"}
        assert db.session.scalar(sa.select(ProfileConflict.kind)) == "phone"


def test_staff_see_unlinked_orders_and_link_them_audited(app, client, zalo, shopone, frozen_clock):
    owner = staff_headers(app, client, "owner")
    add_shopone(app, shopone, pull_orders=True)
    answer, _ = _attacker_types(client, zalo)
    shopone.put_order({"id": "SO-5", "status": "new", "phone": VICTIM_PHONE, "total": 90000,
                       "updated_at": "2026-11-01T02:00:00Z"})
    sync(app)
    page = client.get("/api/v1/admin/orders/unlinked", headers=owner).get_json()
    [item] = page["items"]
    assert (item["external_id"], item["phone"], item["customer_ref"], page["next_cursor"]) == (
        "SO-5", VICTIM_PHONE, None, None)
    response = client.post(f"/api/v1/admin/orders/{item['id']}/link", json={"customer_ref": "cus_nobody"},
                           headers=owner)
    assert response.status_code == 404 and response.content_type == "application/problem+json"
    ref = answer["customer"]["ref"]  # staff checked with the customer: it is theirs after all
    response = client.post(f"/api/v1/admin/orders/{item['id']}/link", json={"customer_ref": ref}, headers=owner)
    assert response.status_code == 200 and response.get_json()["customer_ref"] == ref
    assert client.get("/api/v1/admin/orders/unlinked", headers=owner).get_json()["items"] == []
    again = client.post(f"/api/v1/admin/orders/{item['id']}/link", json={"customer_ref": ref}, headers=owner)
    assert again.status_code == 409
    with app.app_context():
        from miniapp_api.models import AuditEntry

        [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "order.link")).all()
        assert (entry.actor_label, entry.target_id, entry.detail) == ("owner@shop.vn", str(item["id"]),
                                                                      {"customer_ref": ref})
    shopone.put_order({"id": "SO-5", "status": "shipping", "updated_at": "2026-11-01T03:00:00Z"})
    sync(app)
    with app.app_context():
        assert db.session.get(Customer, db.session.scalar(sa.select(Order.customer_id))).ref == ref  # kept


def test_a_staff_linked_order_is_announced_later_only_to_a_verified_phone(app, client, oa, shopone):
    owner_headers = staff_headers(app, client, "owner")
    owner = oa.create_user(VICTIM_NAME, phone="84912345678")
    session = open_session(client, oa, owner)
    token, code = oa.issue_access_token(owner.app_user_id), oa.issue_phone_code(owner.app_user_id)
    ref = client.post("/api/v1/miniapp/phone", json={"access_token": token, "code": code},
                      headers=bearer(session)).get_json()["customer"]["ref"]
    client.post(SUBMIT, json={"values": contact_values(full_name=VICTIM_NAME)}, headers=bearer(session))
    customer_says(client, oa, owner, "text", text="Tôi đặt bằng số nhà")
    run_worker(app)
    add_shopone(app, shopone, pull_orders=True)
    shopone.put_order({"id": "SO-8", "status": "new", "phone": "0243 123 4567", "total": 500000,
                       "updated_at": "2026-11-01T02:00:00Z"})
    sync(app)
    [item] = client.get("/api/v1/admin/orders/unlinked", headers=owner_headers).get_json()["items"]
    assert client.post(f"/api/v1/admin/orders/{item['id']}/link", json={"customer_ref": ref},
                       headers=owner_headers).status_code == 200
    shopone.put_order({"id": "SO-8", "status": "confirmed", "updated_at": "2026-11-01T03:00:00Z"})
    sync(app)
    run_worker(app)
    assert _status_outcomes(app) == ["no_template", "phone_unverified"]  # linked, but not their verified phone
    assert not [text for text in _sent_texts(oa) if "SO-8" in text]
