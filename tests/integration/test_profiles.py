"""One profile per person: dedupe by phone and Zalo ids, audited merges, refused conflicting merges."""
import pytest
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Customer, CustomerIdentity, FormSubmission, OutboxEvent, ProfileConflict, ProfileMerge
from miniapp_api.models.customer import PHONE, ZALO_APP, ZALO_OA
from miniapp_api.services.customers.profiles import Claim, MergeConflict, find_customer, merge_profiles, resolve_profile
from tests.helpers import bearer, contact_values, open_session, outbox_types, zalo_user

SUBMIT = "/api/v1/miniapp/forms/lien-he/submissions"


def _phone_only_profile(app, phone="+84912345678", name="Khách từ CRM"):
    """A person known only by phone (e.g. from a CRM order or the OA info card)."""
    with app.app_context():
        resolution = resolve_profile(db.session, [Claim(PHONE, phone, False, "crm")],
                                     facts={"full_name": name}, source="crm")
        db.session.commit()
        return resolution.customer.ref


def _live_customers(app):
    with app.app_context():
        return db.session.scalars(sa.select(Customer.ref).where(Customer.merged_into_id.is_(None))).all()


def test_phone_first_then_zalo_user_typing_that_phone_is_a_possible_same_person(client, zalo, app):
    """A typed phone proves nothing: it never merges a Zalo user into a CRM's profile; staff decide."""
    phone_ref = _phone_only_profile(app)
    session = open_session(client, zalo, zalo_user(zalo))
    response = client.post(SUBMIT, json={"values": contact_values(phone="0912345678")}, headers=bearer(session))
    assert response.status_code == 201
    ref = response.get_json()["customer"]["ref"]
    assert ref != phone_ref and sorted(_live_customers(app)) == sorted([phone_ref, ref])
    with app.app_context():
        assert db.session.scalar(sa.select(ProfileMerge)) is None
        conflict = db.session.scalar(sa.select(ProfileConflict))
        assert conflict.kind == PHONE and conflict.claim["source"] == "form:lien-he"
        assert find_customer(db.session, PHONE, "+84912345678").ref == phone_ref
    assert "customer.merged" not in outbox_types(app)


def test_phone_first_then_verified_phone_of_a_zalo_user_merges(client, zalo, app):
    phone_ref = _phone_only_profile(app, phone="+84987654321")
    user = zalo_user(zalo, phone="84987654321")
    session = open_session(client, zalo, user)
    token, code = zalo.issue_access_token(user.app_user_id), zalo.issue_phone_code(user.app_user_id)
    body = client.post("/api/v1/miniapp/phone", json={"access_token": token, "code": code},
                       headers=bearer(session)).get_json()
    assert body["customer"]["ref"] == phone_ref
    assert body["customer"]["phones"] == [{"e164": "+84987654321", "verified": True}]
    assert body["customer"]["zalo"]["app_user_id"] == user.app_user_id
    with app.app_context():  # the reason travels to connectors: the kind, never the value
        assert db.session.scalar(sa.select(ProfileMerge.reason)).startswith("same phone via")


def test_zalo_first_then_phone_arrival_finds_the_same_profile(client, zalo, app):
    session = open_session(client, zalo, zalo_user(zalo))
    ref = client.post(SUBMIT, json={"values": contact_values()}, headers=bearer(session)).get_json()["customer"]["ref"]
    with app.app_context():
        resolution = resolve_profile(db.session, [Claim(PHONE, "+84912345678", True, "oa_submit_info")])
        db.session.commit()
        assert resolution.customer.ref == ref and not resolution.created
    assert _live_customers(app) == [ref]


def test_oa_identity_then_mini_app_with_same_app_id_is_one_profile(client, zalo, app):
    user = zalo_user(zalo)
    with app.app_context():  # as an OA follow event would record it
        resolve_profile(db.session, [Claim(ZALO_OA, user.oa_user_id, True, "oa_webhook"),
                                     Claim(ZALO_APP, user.app_user_id, True, "oa_webhook")])
        db.session.commit()
    body = open_session(client, zalo, user, id_by_oa=user.oa_user_id)
    assert body["customer"]["zalo"] == {"app_user_id": user.app_user_id, "oa_user_id": user.oa_user_id}
    assert len(_live_customers(app)) == 1


def test_conflicting_verified_identities_are_never_merged(client, zalo, app):
    owner = zalo_user(zalo, name="Chủ số", phone="84912345678")
    owner_session = open_session(client, zalo, owner)
    token, code = zalo.issue_access_token(owner.app_user_id), zalo.issue_phone_code(owner.app_user_id)
    client.post("/api/v1/miniapp/phone", json={"access_token": token, "code": code}, headers=bearer(owner_session))
    other_session = open_session(client, zalo, zalo_user(zalo, name="Người khác", phone=None))
    response = client.post(SUBMIT, json={"values": contact_values(phone="0912345678")}, headers=bearer(other_session))
    assert response.status_code == 201  # the submission is kept...
    assert response.get_json()["customer"]["ref"] == other_session["customer"]["ref"]  # ...on the submitter
    assert response.get_json()["customer"]["phones"] == []
    assert len(_live_customers(app)) == 2
    with app.app_context():
        conflict = db.session.scalar(sa.select(ProfileConflict))
        assert conflict.kind == ZALO_APP and "verified identities differ" in conflict.detail
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProfileMerge)) == 0
        assert find_customer(db.session, PHONE, "+84912345678").ref == owner_session["customer"]["ref"]


def test_manual_merge_refuses_conflict(app):
    with app.app_context():
        a = resolve_profile(db.session, [Claim(ZALO_APP, "1001", True, "t")]).customer
        b = resolve_profile(db.session, [Claim(ZALO_APP, "1002", True, "t")]).customer
        with pytest.raises(MergeConflict, match="zalo_app"):
            merge_profiles(db.session, a, b, "staff merge")


def test_unverified_oa_id_from_client_does_not_steal_a_verified_one(client, zalo, app):
    victim = zalo_user(zalo)
    with app.app_context():
        resolve_profile(db.session, [Claim(ZALO_OA, victim.oa_user_id, True, "oa_webhook"),
                                     Claim(ZALO_APP, victim.app_user_id, True, "oa_webhook")])
        db.session.commit()
    attacker = zalo_user(zalo, name="Kẻ gian")
    body = open_session(client, zalo, attacker, id_by_oa=victim.oa_user_id)
    assert body["customer"]["zalo"]["oa_user_id"] is None
    assert len(_live_customers(app)) == 2


@pytest.fixture
def fail_inserts(app):
    """A real failing write: a trigger that aborts inserts matching a condition (dropped afterwards,
    since PostgreSQL tests share one database)."""
    tables = []

    def install(table, when_sql):
        tables.append(table)
        with app.app_context():
            if db.engine.dialect.name == "sqlite":
                db.session.execute(sa.text(f"CREATE TRIGGER boom BEFORE INSERT ON {table} WHEN {when_sql} "
                                           "BEGIN SELECT RAISE(ABORT, 'boom'); END"))
            else:
                db.session.execute(sa.text(
                    "CREATE OR REPLACE FUNCTION boom() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$ "
                    "LANGUAGE plpgsql"))
                db.session.execute(sa.text(f"CREATE TRIGGER boom BEFORE INSERT ON {table} FOR EACH ROW "
                                           f"WHEN ({when_sql}) EXECUTE FUNCTION boom()"))
            db.session.commit()

    yield install
    with app.app_context():
        for table in tables:
            on_table = "" if db.engine.dialect.name == "sqlite" else f" ON {table}"
            db.session.execute(sa.text(f"DROP TRIGGER IF EXISTS boom{on_table}"))
        db.session.commit()


def _counts(app):
    with app.app_context():
        return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (Customer, CustomerIdentity, FormSubmission, OutboxEvent)}


def test_failed_submission_writes_nothing(client, zalo, app, fail_inserts):
    session = open_session(client, zalo, zalo_user(zalo))
    before = _counts(app)
    fail_inserts("form_submission", "NEW.form_version = 1")
    response = client.post(SUBMIT, json={"values": contact_values()}, headers=bearer(session))
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert _counts(app) == before  # no phone identity, no outbox row, no submission
    me = client.get("/api/v1/miniapp/me", headers=bearer(session)).get_json()
    assert me["customer"]["full_name"] is None


def test_failed_profile_creation_leaves_neither_profile_nor_outbox_row(client, zalo, app, fail_inserts):
    fail_inserts("customer_identity", "NEW.kind = 'zalo_oa'")
    user = zalo_user(zalo)
    token = zalo.issue_access_token(user.app_user_id)
    response = client.post("/api/v1/miniapp/session", json={"access_token": token, "id_by_oa": user.oa_user_id})
    assert response.status_code == 500
    assert _counts(app) == {"Customer": 0, "CustomerIdentity": 0, "FormSubmission": 0, "OutboxEvent": 0}
