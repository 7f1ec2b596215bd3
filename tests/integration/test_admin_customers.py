"""Staff and integrators on customers: list, detail, edit, manual merge, pipeline, who may do what."""
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import (AuditEntry, Conversation, Customer, CustomerTag, OaContact, Order, OutboxEvent,
                                PipelineChange, ProfileConflict)
from miniapp_api.services.customers.profiles import Claim, resolve_profile
from tests.customer_helpers import EMAIL, NAME, add_order, call, full_customer
from tests.staff_helpers import staff_headers


def _api_key(client, owner, *scopes):
    status, body = call(client, "POST", "/api-keys", owner, json={"name": "crm", "scopes": list(scopes)})
    assert status == 201
    return {"Authorization": f"Bearer {body['secret']}"}


def test_list_detail_and_update(app, client, oa):
    owner = staff_headers(app, client, "owner")
    first = full_customer(client, app, oa)
    second = full_customer(client, app, oa, name="Lê Văn Cường", phone="84911222333", raw_phone="0911222333",
                           email="cuong@example.vn", order=False)
    status, page = call(client, "GET", "/customers?limit=1", owner)
    assert status == 200 and [c["ref"] for c in page["items"]] == [second["ref"]]
    status, page = call(client, "GET", f"/customers?limit=1&cursor={page['next_cursor']}", owner)
    assert [c["ref"] for c in page["items"]] == [first["ref"]] and page["next_cursor"] is None

    status, detail = call(client, "GET", f"/customers/{first['ref']}", owner)
    assert (detail["full_name"], detail["phone"], detail["email"]) == (NAME, "+84987654321", EMAIL)
    assert detail["pipeline_status"] == "new" and detail["last_interaction_at"] is not None

    changes = {"full_name": "Trần Bích", "phone": "0912 000 111", "province": "Đà Nẵng",
               "attributes": {"size": "M"}, "email": "Bich.Moi@Example.vn"}
    status, updated = call(client, "PATCH", f"/customers/{first['ref']}", owner, json=changes)
    assert status == 200, updated
    assert updated["phones"] == [{"e164": "+84912000111", "verified": False}]
    assert (updated["full_name"], updated["email"], updated["attributes"]["size"]) == ("Trần Bích",
                                                                                      "bich.moi@example.vn", "M")
    with app.app_context():
        event = db.session.scalars(sa.select(OutboxEvent).where(OutboxEvent.event_type == "customer.upserted")
                                   .order_by(OutboxEvent.id.desc())).first()
        assert event.aggregate_id == first["ref"] and event.payload["phone"] == "+84912000111"
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "customer.update"))
        assert entry.actor_label == "owner@shop.vn" and "Trần Bích" not in str(entry.detail)

    status, problem = call(client, "PATCH", f"/customers/{first['ref']}", owner, json={"phone": "0911222333"})
    assert status == 409 and second["ref"] in problem["detail"]
    status, problem = call(client, "PATCH", f"/customers/{first['ref']}", owner, json={"phone": "12"})
    assert status == 422 and "phone" in problem["errors"]
    assert call(client, "GET", "/customers/cus_nope", owner)[0] == 404


def test_manual_merge_moves_everything_and_refuses_conflicts(app, client, oa):
    owner = staff_headers(app, client, "owner")
    survivor = full_customer(client, app, oa)
    other = full_customer(client, app, oa, name="Bích (Zalo 2)", phone="84911222333", raw_phone="0911222333")
    call(client, "POST", "/tags", owner, json={"name": "vip"})
    for ref in (survivor["ref"], other["ref"]):
        assert call(client, "POST", f"/customers/{ref}/tags/vip", owner)[0] == 200
    call(client, "POST", f"/customers/{other['ref']}/pipeline", owner, json={"status": "qualified"})

    # Both hold verified Zalo ids (different people by Zalo's word): refused, naming the kinds.
    status, problem = call(client, "POST", f"/customers/{survivor['ref']}/merge", owner,
                           json={"other_ref": other["ref"]})
    assert status == 409 and "zalo_app" in problem["detail"] and "zalo_oa" in problem["detail"]

    with app.app_context():  # a phone-only duplicate (say, typed into a POS) merges fine
        dup = resolve_profile(db.session, [Claim("phone", "+84900000001", False, "pos")],
                              facts={"full_name": "Chị Bích"}).customer
        dup_id, dup_ref = dup.id, dup.ref
        db.session.commit()
        add_order(dup_ref, "SO-DUP")
        db.session.add(OaContact(oa_user_id="9990001", customer_id=dup_id))
        db.session.flush()
        contact_id = db.session.scalar(sa.select(OaContact.id).where(OaContact.oa_user_id == "9990001"))
        db.session.add(Conversation(contact_id=contact_id, customer_id=dup_id))
        db.session.add(CustomerTag(customer_id=dup_id, tag_id=1))
        db.session.commit()
    status, merged = call(client, "POST", f"/customers/{other['ref']}/merge", owner, json={"other_ref": dup_ref})
    assert status == 200, merged
    assert {p["e164"] for p in merged["phones"]} == {"+84911222333", "+84900000001"}
    assert merged["tags"] == ["vip"] and merged["pipeline_status"] == "qualified"
    with app.app_context():
        other_id = db.session.scalar(sa.select(Customer.id).where(Customer.ref == other["ref"]))
        for model in (Order, Conversation, OaContact, CustomerTag):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                     .where(model.customer_id == dup_id)) == 0, model
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)
                                 .where(Order.customer_id == other_id)) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Conversation)
                                 .where(Conversation.customer_id == other_id)) == 2
        assert db.session.scalar(sa.select(Customer.merged_into_id).where(Customer.id == dup_id)) == other_id
        assert db.session.scalar(sa.select(ProfileConflict.id)) is None  # manual refusals record nothing
    status, tomb = call(client, "GET", f"/customers/{dup_ref}", owner)
    assert tomb["merged_into"] == other["ref"]
    assert call(client, "PATCH", f"/customers/{dup_ref}", owner, json={"full_name": "x"})[0] == 409
    assert call(client, "POST", f"/customers/{other['ref']}/merge", owner,
                json={"other_ref": other["ref"]})[0] == 422


def test_pipeline_moves_keep_history(app, client, oa, frozen_clock):
    owner = staff_headers(app, client, "owner")
    ref = full_customer(client, app, oa, order=False)["ref"]
    for status in ("contacted", "qualified", "qualified", "lost"):
        frozen_clock.advance(minutes=5)
        code, body = call(client, "POST", f"/customers/{ref}/pipeline", owner, json={"status": status})
        assert code == 200
    assert body["status"] == "lost"
    assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [
        ("new", "contacted"), ("contacted", "qualified"), ("qualified", "lost")]
    assert call(client, "POST", f"/customers/{ref}/pipeline", owner, json={"status": "gold"})[0] == 422
    code, body = call(client, "GET", f"/customers/{ref}/pipeline", owner)
    assert len(body["history"]) == 3 and body["history"][0]["staff_id"] is not None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PipelineChange)) == 3
        latest = db.session.scalar(sa.select(OutboxEvent).where(OutboxEvent.event_type == "customer.upserted",
                                                                OutboxEvent.aggregate_id == ref)
                                   .order_by(OutboxEvent.id.desc()))
        assert latest.payload["pipeline_status"] == "lost"  # CRMs see the lead stage


def test_roles_agents_viewers_and_integrator_keys(app, client, oa):
    owner = staff_headers(app, client, "owner")
    agent = staff_headers(app, client, "agent")
    viewer = staff_headers(app, client, "viewer")
    admin = staff_headers(app, client, "admin")
    mine = full_customer(client, app, oa, order=False)
    theirs = full_customer(client, app, oa, name="Lê Văn Cường", phone="84911222333", raw_phone="0911222333",
                           order=False)
    with app.app_context():  # the open conversation of `theirs` is assigned to someone else
        their_id = db.session.scalar(sa.select(Customer.id).where(Customer.ref == theirs["ref"]))
        db.session.execute(sa.update(Conversation).where(Conversation.customer_id == their_id)
                           .values(assignee_id=1))
        db.session.commit()
    status, page = call(client, "GET", "/customers", agent)
    assert [c["ref"] for c in page["items"]] == [mine["ref"]]
    assert call(client, "GET", f"/customers/{theirs['ref']}", agent)[0] == 404
    assert call(client, "PATCH", f"/customers/{mine['ref']}", agent, json={"province": "Huế"})[0] == 200
    assert call(client, "PATCH", f"/customers/{theirs['ref']}", agent, json={"province": "Huế"})[0] == 404

    assert call(client, "GET", f"/customers/{theirs['ref']}", viewer)[0] == 200
    assert call(client, "PATCH", f"/customers/{theirs['ref']}", viewer, json={"province": "Huế"})[0] == 403
    assert call(client, "GET", f"/customers/{theirs['ref']}/export", viewer)[0] == 403
    assert call(client, "GET", f"/customers/{theirs['ref']}/export", admin)[0] == 200
    assert call(client, "POST", f"/customers/{theirs['ref']}/erase", admin)[0] == 403

    reader = _api_key(client, owner, "customers:read")
    writer = _api_key(client, owner, "customers:write")
    assert call(client, "GET", "/customers", reader)[0] == 200
    assert call(client, "PATCH", f"/customers/{mine['ref']}", reader, json={"province": "Huế"})[0] == 403
    assert call(client, "GET", "/customers", writer)[0] == 403
    assert call(client, "PATCH", f"/customers/{mine['ref']}", writer, json={"province": "Cần Thơ"})[0] == 200
    assert call(client, "GET", f"/customers/{mine['ref']}/export", reader)[0] == 403
    with app.app_context():
        assert db.session.scalar(sa.select(Customer.province).where(Customer.ref == mine["ref"])) == "Cần Thơ"
