"""Personal data rights: export holds everything, erasure leaves nothing personal, connectors are told,
and marketing stops when consent is withdrawn."""
import json

import pytest
import sqlalchemy as sa
from unidecode import unidecode

from miniapp_api.extensions import db
from miniapp_api.models import AuditEntry, Customer, OutboxEvent
from miniapp_api.services.oa.outbound import OutboundRefused, queue_text_message
from miniapp_api.services.privacy.erasure import ERASURE
from miniapp_api.services.customers.profiles import Claim, customer_columns, resolve_profile
from tests.customer_helpers import ADDRESS, CHAT, EMAIL, NAME, add_order, call, full_customer
from tests.helpers import bearer, open_session
from tests.oa_helpers import messages, run_worker
from tests.staff_helpers import staff_headers


@pytest.fixture
def person(app, client, oa):
    """A customer known everywhere, with a merged phone-only duplicate, a tag, a pipeline move, an address."""
    owner = staff_headers(app, client, "owner")
    person = full_customer(client, app, oa)
    with app.app_context():
        dup = resolve_profile(db.session, [Claim("phone", "+84900000009", False, "pos")],
                              facts={"full_name": "Chị Bích Trần", "address": "Ngõ 5 Láng Hạ"}).customer
        db.session.commit()
        add_order(dup.ref, "SO-OLD", "0900000009", "Chị Bích Trần")
        person["dup"] = dup.ref
    assert call(client, "POST", f"/customers/{person['ref']}/merge", owner, json={"other_ref": person["dup"]})[0] == 200
    call(client, "PATCH", f"/customers/{person['ref']}", owner, json={"address": ADDRESS})
    call(client, "POST", "/tags", owner, json={"name": "vip"})
    call(client, "POST", f"/customers/{person['ref']}/tags/vip", owner)
    call(client, "POST", f"/customers/{person['ref']}/pipeline", owner, json={"status": "customer"})
    person["owner"] = owner
    return person


def test_export_holds_everything(app, client, person):
    status, doc = call(client, "GET", f"/customers/{person['dup']}/export", person["owner"])  # via the tombstone
    assert status == 200
    assert (doc["customer"]["full_name"], doc["customer"]["email"], doc["customer"]["address"]) == (NAME, EMAIL,
                                                                                                    ADDRESS)
    assert {i["kind"] for i in doc["identities"]} == {"zalo_app", "zalo_oa", "phone"}
    assert {i["value"] for i in doc["identities"] if i["kind"] == "phone"} == {"+84987654321", "+84900000009"}
    assert doc["consents"][0]["purpose"] == "marketing" and doc["consents"][0]["text"]
    assert doc["submissions"][0]["raw"]["phone"] == "0987 654 321" and doc["submissions"][0]["values"]
    assert any(m["text"] == CHAT for c in doc["conversations"] for m in c["messages"])
    assert {o["external_id"] for o in doc["orders"]} == {f"SO-{person['user'].oa_user_id[-6:]}", "SO-OLD"}
    assert doc["orders"][0]["raw"]["customer"]["address"] == ADDRESS and doc["orders"][0]["history"]
    assert doc["oa_contacts"][0]["oa_user_id"] == person["user"].oa_user_id
    assert doc["tags"] == ["vip"] and doc["pipeline"][0]["to_status"] == "customer"
    assert doc["merges"][0]["merged_ref"] == person["dup"]
    assert doc["merged_profiles"][0]["full_name"] == "Chị Bích Trần"
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.target_id == person["ref"])
                                 .order_by(AuditEntry.id.desc())) == "customer.export"


def _personal(person) -> list[str]:
    user = person["user"]
    plain = [NAME, "Bích", "987654321", "0900000009", "900000009", EMAIL, "bich@", ADDRESS, "Láng Hạ", CHAT,
             user.oa_user_id, user.app_user_id, "Gọi sau"]
    return plain + [unidecode(text).lower() for text in (NAME, CHAT, ADDRESS)]  # search columns keep these


def _dump(app, table: sa.Table, where=None) -> list[str]:
    with app.app_context():
        statement = sa.select(table) if where is None else sa.select(table).where(where)
        return [json.dumps(dict(row._mapping), default=str, ensure_ascii=False)
                for row in db.session.execute(statement)]


def test_every_table_referencing_customers_is_classified_for_erasure():
    assert {column.table.name for column in customer_columns()} == set(ERASURE)


def test_erasure_leaves_nothing_personal_behind(app, client, person):
    ref = person["ref"]
    assert call(client, "POST", f"/customers/{ref}/erase", staff_headers(app, client, "admin"))[0] == 403
    status, body = call(client, "POST", f"/customers/{ref}/erase", person["owner"])
    assert status == 200 and set(body["erased_refs"]) == {ref, person["dup"]}
    assert call(client, "POST", f"/customers/{ref}/erase", person["owner"])[0] == 409
    run_worker(app)  # nothing queued for the person may bring their data back

    with app.app_context():
        ids = db.session.scalars(sa.select(Customer.id).where(Customer.ref.in_(body["erased_refs"]))).all()
        erased = db.session.scalars(sa.select(Customer.erased_at).where(Customer.id.in_(ids))).all()
    assert len(ids) == 2 and all(erased)
    leftovers = []
    for column in customer_columns():  # the customer's own rows, in every table that points at a customer
        for row in _dump(app, column.table, column.in_(ids)):
            leftovers += [(column.table.name, s) for s in _personal(person) if s in row]
    for table in ("message", "form_submission", "oa_outbound", "outbox_event", "delivery", "webhook_event",
                  "audit_entry", "crm_order", "profile_merge", "oa_contact", "idempotency_record"):  # and around them
        for row in _dump(app, db.metadata.tables[table]):
            leftovers += [(table, s) for s in _personal(person) if s in row]
    assert leftovers == []
    assert all(m.text is None and m.attachments == [] for m in messages(app))
    for query in (NAME, unidecode(CHAT)):  # the search index forgot them too
        found = client.get("/api/v1/admin/search", query_string={"q": query}, headers=person["owner"]).get_json()
        assert not any(found.values()), found

    status, view = call(client, "GET", f"/customers/{ref}", person["owner"])
    assert (view["full_name"], view["phones"], view["tags"], view["erased_at"] is not None) == (None, [], [], True)
    assert call(client, "GET", "/customers", person["owner"])[1]["items"] == []
    with app.app_context():
        event = db.session.scalar(sa.select(OutboxEvent).where(OutboxEvent.event_type == "customer.erased"))
        assert event.aggregate_id == ref
        assert event.payload["ref"] == ref and event.payload["merged_refs"] == [person["dup"]]
        assert set(event.payload) == {"ref", "merged_refs", "erased_at"}
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "customer.erase"))
        assert entry.actor_label == "owner@shop.vn" and entry.target_id == ref


def test_the_same_person_coming_back_starts_a_new_profile(app, client, oa, person):
    call(client, "POST", f"/customers/{person['ref']}/erase", person["owner"])
    session = open_session(client, oa, person["user"])
    assert session["customer"]["ref"] != person["ref"]


def test_withdrawn_consent_stops_marketing_but_not_service_messages(app, client, oa, person):
    session = open_session(client, oa, person["user"])

    def queue(reason):
        with app.app_context():
            customer = db.session.scalar(sa.select(Customer).where(Customer.ref == person["ref"]))
            row = queue_text_message(db.session, customer, "Giảm 20% hôm nay!", reason=reason)
            db.session.commit()
            return row.id

    queue("marketing")  # consented in the form: queued
    response = client.post("/api/v1/miniapp/consent", json={"purpose": "marketing", "granted": False},
                           headers=bearer(session))
    assert response.status_code == 200
    response.close()
    with pytest.raises(OutboundRefused) as refused:
        queue("broadcast")
    assert refused.value.code == "no_marketing_consent"
    queue("order_status")
    oa.sent_messages.clear()
    run_worker(app)
    # the marketing message queued before the withdrawal is not sent either; the service one is
    assert [m["message"]["text"] for m in oa.sent_messages] == ["Giảm 20% hôm nay!"]
    assert [m.delivery_state for m in messages(app)][-2:] == ["failed", "sent"]


def test_connectors_are_told_of_the_erasure_with_the_ref_only(app, client, person, webhook_receiver, frozen_clock):
    from crm_sync.admin import save_connector
    from tests.sync_helpers import sync

    with app.app_context():
        save_connector(db.session, app.config["SECRET_KEY"], "hooks", "webhook", base_url=webhook_receiver.url,
                       credentials={"secret": webhook_receiver.secret}, rate_limit_per_second=0)
        db.session.commit()
    call(client, "POST", f"/customers/{person['ref']}/erase", person["owner"])
    sync(app, "hooks")
    bodies = list(webhook_receiver.accepted.values())
    # queued upserts and submissions of the person were cancelled; only ref-only events go out
    assert [b["type"] for b in bodies] == ["customer.merged", "customer.erased"]
    assert bodies[1]["data"]["ref"] == person["ref"]
    assert not [s for s in _personal(person) if s in json.dumps(bodies, ensure_ascii=False)]


def test_the_consent_history_shows_each_grant_and_withdrawal_in_the_words_seen(app, client, oa, person):
    session = open_session(client, oa, person["user"])
    response = client.post("/api/v1/miniapp/consent", json={"purpose": "marketing", "granted": False},
                           headers=bearer(session))
    assert response.status_code == 200
    response.close()
    status, history = call(client, "GET", f"/customers/{person['ref']}/consents", person["owner"])
    assert status == 200
    assert [(r["purpose"], r["granted"]) for r in history] == [("marketing", False), ("marketing", True)]
    withdrawn, granted = history
    assert (granted["form"], granted["version"]) == ("lien-he", "2026-11")
    assert granted["text"].startswith("Tôi đồng ý nhận thông tin khuyến mãi")
    assert granted["submission_ref"].startswith("sub_") and withdrawn["submission_ref"] is None
    in_force = call(client, "GET", f"/customers/{person['ref']}", person["owner"])[1]["consents"]["marketing"]
    assert in_force["granted"] is False
