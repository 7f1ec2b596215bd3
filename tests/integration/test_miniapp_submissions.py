"""Form definitions and submissions: happy path, every validation error, idempotency."""
import pytest
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import ConsentRecord, FormSubmission
from tests.helpers import bearer, contact_values, open_session, outbox_types, zalo_user

SUBMIT = "/api/v1/miniapp/forms/lien-he/submissions"


@pytest.fixture
def session_body(client, zalo):
    return open_session(client, zalo, zalo_user(zalo))


def test_form_definition_is_served(client):
    form = client.get("/api/v1/miniapp/forms/lien-he").get_json()
    assert form["slug"] == "lien-he" and form["version"] == 1
    names = [f["name"] for f in form["fields"]]
    assert names == ["full_name", "phone", "email", "province", "interest", "note", "marketing_consent"]
    assert form["fields"][0]["label"] == {"vi": "Họ và tên", "en": "Full name"}
    assert len(form["fields"][3]["options"]) == 34


def test_unknown_form_is_404(client):
    response = client.get("/api/v1/miniapp/forms/khong-co")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_submission_happy_path(client, app, session_body):
    response = client.post(SUBMIT, json={"values": contact_values()}, headers=bearer(session_body))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["submission"]["values"]["phone"] == "+84912345678"
    assert body["submission"]["values"]["email"] == "an@example.vn"
    customer = body["customer"]
    assert customer["full_name"] == "Nguyễn Văn An"
    assert customer["province"] == "Hà Nội"
    assert customer["phones"] == [{"e164": "+84912345678", "verified": False}]
    assert customer["consents"]["marketing"]["granted"] is True
    assert outbox_types(app) == ["customer.upserted", "customer.upserted", "form.submitted"]
    with app.app_context():
        stored = db.session.scalar(sa.select(FormSubmission))
        assert stored.raw["phone"] == "0912 345 678"  # kept as submitted
        consent = db.session.scalar(sa.select(ConsentRecord))
        assert (consent.version, consent.form_slug, consent.submission_id) == ("2026-11", "lien-he", stored.id)
        assert consent.text.startswith("Tôi đồng ý")
    me = client.get("/api/v1/miniapp/me", headers=bearer(session_body)).get_json()
    assert [s["ref"] for s in me["submissions"]] == [body["submission"]["ref"]]


@pytest.mark.parametrize("values, field, fragment", [
    (contact_values(full_name=...), "full_name", "Vui lòng nhập"),
    (contact_values(full_name="A"), "full_name", "ít nhất 2"),
    (contact_values(full_name="A" * 101), "full_name", "Tối đa 100"),
    (contact_values(full_name=12), "full_name", "chuỗi"),
    (contact_values(phone=...), "phone", "Vui lòng nhập"),
    (contact_values(phone="12345"), "phone", "Số điện thoại"),
    (contact_values(phone="abc"), "phone", "Số điện thoại"),
    (contact_values(email="not-an-email"), "email", "email"),
    (contact_values(province="atlantis"), "province", "danh sách"),
    (contact_values(interest=...), "interest", "Vui lòng"),
    (contact_values(interest="free-stuff"), "interest", "danh sách"),
    (contact_values(note="x" * 1001), "note", "Tối đa 1000"),
    (contact_values(marketing_consent="yes"), "marketing_consent", "đúng hoặc sai"),
    ({**contact_values(), "hacker": "1"}, "hacker", "không có trong biểu mẫu"),
])
def test_each_validation_error_names_its_field(client, app, session_body, values, field, fragment):
    response = client.post(SUBMIT, json={"values": values}, headers=bearer(session_body))
    assert response.status_code == 422
    body = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert list(body["errors"]) == [field]
    assert fragment in body["errors"][field][0]
    assert outbox_types(app) == ["customer.upserted"]  # only the session's; nothing from the failed submit


def test_errors_in_english_when_asked(client, session_body):
    headers = {**bearer(session_body), "Accept-Language": "en-US,en;q=0.9"}
    response = client.post(SUBMIT, json={"values": contact_values(phone="12")}, headers=headers)
    assert response.get_json()["errors"] == {"phone": ["Not a valid Vietnamese phone number."]}


def test_all_errors_are_reported_at_once(client, session_body):
    values = contact_values(full_name=..., phone="1", interest="?")
    response = client.post(SUBMIT, json={"values": values}, headers=bearer(session_body))
    assert sorted(response.get_json()["errors"]) == ["full_name", "interest", "phone"]


@pytest.mark.parametrize("payload", [{}, {"values": "text"}, {"values": []}, []])
def test_malformed_envelope_is_422(client, session_body, payload):
    response = client.post(SUBMIT, json=payload, headers=bearer(session_body))
    assert response.status_code == 422


def test_submission_needs_a_session(client):
    response = client.post(SUBMIT, json={"values": contact_values()})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_same_idempotency_key_gives_same_result_and_one_submission(client, app, session_body):
    headers = {**bearer(session_body), "Idempotency-Key": "submit-1"}
    first = client.post(SUBMIT, json={"values": contact_values()}, headers=headers)
    second = client.post(SUBMIT, json={"values": contact_values()}, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json() == second.get_json()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FormSubmission)) == 1
    assert outbox_types(app).count("form.submitted") == 1


def test_idempotency_key_reused_with_other_body_is_422(client, session_body):
    headers = {**bearer(session_body), "Idempotency-Key": "submit-2"}
    client.post(SUBMIT, json={"values": contact_values()}, headers=headers)
    response = client.post(SUBMIT, json={"values": contact_values(note="khác")}, headers=headers)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["detail"]


def test_without_key_each_post_is_a_new_submission(client, app, session_body):
    for _ in range(2):
        assert client.post(SUBMIT, json={"values": contact_values()}, headers=bearer(session_body)).status_code == 201
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FormSubmission)) == 2


def test_consent_can_be_withdrawn_and_history_is_kept(client, app, session_body):
    client.post(SUBMIT, json={"values": contact_values()}, headers=bearer(session_body))
    response = client.post("/api/v1/miniapp/consent", json={"purpose": "marketing", "granted": False},
                           headers=bearer(session_body))
    assert response.status_code == 200
    assert response.get_json()["customer"]["consents"]["marketing"]["granted"] is False
    with app.app_context():
        history = db.session.scalars(sa.select(ConsentRecord.granted).order_by(ConsentRecord.id)).all()
    assert history == [True, False]
