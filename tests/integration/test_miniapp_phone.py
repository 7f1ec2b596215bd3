"""POST /api/v1/miniapp/phone: decode through /v2.0/me/info, normalise, attach as verified."""
from tests.helpers import bearer, open_session, zalo_user

PHONE = "/api/v1/miniapp/phone"


def test_phone_is_decoded_normalised_and_verified(client, zalo):
    user = zalo_user(zalo, phone="84987654321")
    session = open_session(client, zalo, user)
    token = zalo.issue_access_token(user.app_user_id)
    code = zalo.issue_phone_code(user.app_user_id)
    response = client.post(PHONE, json={"access_token": token, "code": code}, headers=bearer(session))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["phone"] == "+84987654321"
    assert body["customer"]["phones"] == [{"e164": "+84987654321", "verified": True}]
    call = [r for r in zalo.requests if r["path"] == "/v2.0/me/info"][-1]
    assert call["headers"]["code"] == code
    assert call["headers"]["secret_key"] == "test-app-secret"
    assert call["headers"]["access_token"] == token


def test_reused_phone_code_is_refused(client, zalo):
    user = zalo_user(zalo)
    session = open_session(client, zalo, user)
    token = zalo.issue_access_token(user.app_user_id)
    code = zalo.issue_phone_code(user.app_user_id)
    assert client.post(PHONE, json={"access_token": token, "code": code}, headers=bearer(session)).status_code == 200
    again = client.post(PHONE, json={"access_token": token, "code": code}, headers=bearer(session))
    assert again.status_code == 401
    assert again.mimetype == "application/problem+json"


def test_token_of_another_user_is_403(client, zalo):
    me, other = zalo_user(zalo), zalo_user(zalo, name="Trần Thị Bình", phone="84911111111")
    session = open_session(client, zalo, me)
    token = zalo.issue_access_token(other.app_user_id)
    code = zalo.issue_phone_code(other.app_user_id)
    response = client.post(PHONE, json={"access_token": token, "code": code}, headers=bearer(session))
    assert response.status_code == 403


def test_phone_needs_a_session(client, zalo):
    assert client.post(PHONE, json={"access_token": "a", "code": "b"}).status_code == 401
