"""The "possible same person" queue: staff list profile conflicts and resolve them (merge or keep apart), audited."""
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import AuditEntry, Customer, ProfileConflict
from tests.helpers import bearer, contact_values, open_session, zalo_user
from tests.staff_helpers import staff_headers

SUBMIT = "/api/v1/miniapp/forms/lien-he/submissions"
CONFLICTS = "/api/v1/admin/profile-conflicts"


def _staff_customer(app, client, owner, phone="0912345678") -> str:
    """A profile staff hold a phone for (as a CRM or a staff edit would)."""
    from miniapp_api.services.customers.profiles import Claim, resolve_profile

    with app.app_context():
        ref = resolve_profile(db.session, [Claim("phone", "+84" + phone[1:], False, "crm:shopone")],
                              facts={"full_name": "Khách CRM"}, origin="crm", source="crm").customer.ref
        db.session.commit()
    return ref


def _typist(client, zalo, phone="0912345678", name="Người gõ số") -> str:
    session = open_session(client, zalo, zalo_user(zalo, name=name, phone=None))
    response = client.post(SUBMIT, json={"values": contact_values(full_name=name, phone=phone)},
                           headers=bearer(session))
    assert response.status_code == 201
    return response.get_json()["customer"]["ref"]


def _audit(app, action="profile_conflict.resolve"):
    with app.app_context():
        return [(a.actor_label, a.target_id, a.detail) for a in db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]


def test_a_typed_phone_of_another_profile_is_listed_with_both_profiles(app, client, zalo):
    owner = staff_headers(app, client, "owner")
    crm_ref = _staff_customer(app, client, owner)
    typist_ref = _typist(client, zalo)
    page = client.get(CONFLICTS, headers=owner).get_json()
    [item] = page["items"]
    assert page["next_cursor"] is None
    assert item["kind"] == "phone" and item["resolution"] is None and item["resolved_at"] is None
    assert item["claim"] == {"kind": "phone", "value": "+84912345678", "source": "form:lien-he", "verified": False,
                             "claimed_by": typist_ref}
    assert (item["customer"]["ref"], item["other_customer"]["ref"]) == (crm_ref, typist_ref)
    assert item["customer"]["phones"] == [{"e164": "+84912345678", "verified": False}]
    viewer = staff_headers(app, client, "viewer")
    assert client.get(CONFLICTS, headers=viewer).status_code == 200
    agent = staff_headers(app, client, "agent")
    assert client.get(CONFLICTS, headers=agent).status_code == 403


def test_dismiss_keeps_them_apart_for_good(app, client, zalo):
    owner = staff_headers(app, client, "owner")
    _staff_customer(app, client, owner)
    _typist(client, zalo)
    conflict_id = client.get(CONFLICTS, headers=owner).get_json()["items"][0]["id"]
    response = client.post(f"{CONFLICTS}/{conflict_id}/resolve", json={"action": "dismiss"}, headers=owner)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["resolution"], body["resolved_by"]) == ("dismissed", "owner@shop.vn") and body["resolved_at"]
    assert client.get(CONFLICTS, headers=owner).get_json()["items"] == []
    assert [i["id"] for i in client.get(f"{CONFLICTS}?status=resolved", headers=owner).get_json()["items"]] == [
        conflict_id]
    again = client.post(f"{CONFLICTS}/{conflict_id}/resolve", json={"action": "merge"}, headers=owner)
    assert again.status_code == 409 and again.content_type == "application/problem+json"
    [(actor, target, detail)] = _audit(app)
    assert (actor, target, detail["decision"], detail["survivor_ref"]) == ("owner@shop.vn", str(conflict_id),
                                                                           "dismiss", None)
    _typist(client, zalo, name="Người gõ số lần hai")  # another Zalo user: a new pair, a new conflict
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProfileConflict)) == 2


def test_merge_folds_the_pair_into_the_chosen_survivor(app, client, zalo):
    admin = staff_headers(app, client, "admin")
    crm_ref = _staff_customer(app, client, admin)
    typist_ref = _typist(client, zalo)
    conflict_id = client.get(CONFLICTS, headers=admin).get_json()["items"][0]["id"]
    bad = client.post(f"{CONFLICTS}/{conflict_id}/resolve", json={"action": "merge", "survivor_ref": "cus_x"},
                      headers=admin)
    assert bad.status_code == 422 and "survivor_ref" in bad.get_json()["errors"]
    response = client.post(f"{CONFLICTS}/{conflict_id}/resolve", json={"action": "merge", "survivor_ref": crm_ref},
                           headers=admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["resolution"] == "merged"
    assert response.get_json()["other_customer"]["merged_into"] == crm_ref
    with app.app_context():
        survivor = db.session.scalar(sa.select(Customer).where(Customer.ref == crm_ref))
        assert survivor.full_name == "Khách CRM", "the CRM's name survives the typed one"
        assert {i.kind for i in survivor.identities} == {"phone", "zalo_app"}
    [(_, _, detail)] = _audit(app)
    assert detail == {"decision": "merge", "customer_refs": [crm_ref, typist_ref], "survivor_ref": crm_ref}


def test_two_zalo_accounts_cannot_be_merged_even_by_staff(app, client, zalo):
    owner = staff_headers(app, client, "owner")
    holder = zalo_user(zalo, name="Chủ số", phone="84912345678")
    session = open_session(client, zalo, holder)
    token, code = zalo.issue_access_token(holder.app_user_id), zalo.issue_phone_code(holder.app_user_id)
    client.post("/api/v1/miniapp/phone", json={"access_token": token, "code": code}, headers=bearer(session))
    _typist(client, zalo)
    [item] = client.get(CONFLICTS, headers=owner).get_json()["items"]
    assert item["kind"] == "zalo_app"
    response = client.post(f"{CONFLICTS}/{item['id']}/resolve", json={"action": "merge"}, headers=owner)
    assert response.status_code == 409 and "zalo_app" in response.get_json()["detail"]
    with app.app_context():
        assert db.session.get(ProfileConflict, item["id"]).resolved_at is None  # nothing half-done
    assert _audit(app) == []


def test_bad_requests_are_problems(app, client):
    owner = staff_headers(app, client, "owner")
    for conflict_id in (1, 2**31, 10**12):
        response = client.post(f"{CONFLICTS}/{conflict_id}/resolve", json={"action": "dismiss"}, headers=owner)
        assert response.status_code == 404 and response.content_type == "application/problem+json"
    response = client.post(f"{CONFLICTS}/1/resolve", json={"action": "burn"}, headers=owner)
    assert response.status_code == 422 and "action" in response.get_json()["errors"]
    assert client.get(f"{CONFLICTS}?status=everything", headers=owner).status_code == 422


def test_openapi_documents_the_queue(client):
    spec = client.get("/openapi.json").get_json()
    listing = spec["paths"]["/api/v1/admin/profile-conflicts"]["get"]
    resolve = spec["paths"]["/api/v1/admin/profile-conflicts/{conflict_id}/resolve"]["post"]
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ConflictPage")
    assert resolve["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Conflict")
    assert {"404", "409", "422"} <= set(resolve["responses"])
    claim = spec["components"]["schemas"]["Claim"]["properties"]
    assert {"kind", "value", "source", "verified", "claimed_by"} <= set(claim)
