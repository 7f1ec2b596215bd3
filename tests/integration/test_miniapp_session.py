"""POST /api/v1/miniapp/session against the Zalo emulator over HTTP."""
from tests.helpers import bearer, open_session, outbox_types, zalo_user


def test_valid_token_opens_a_session_and_creates_a_profile(client, zalo, app):
    user = zalo_user(zalo)
    body = open_session(client, zalo, user, id_by_oa=user.oa_user_id)
    assert body["expires_in"] == 3600
    customer = body["customer"]
    assert customer["zalo"] == {"app_user_id": user.app_user_id, "oa_user_id": user.oa_user_id}
    assert customer["zalo_display_name"] == "Nguyễn Văn An"
    assert outbox_types(app) == ["customer.upserted"]
    me = client.get("/api/v1/miniapp/me", headers=bearer(body))
    assert me.status_code == 200
    assert me.get_json()["customer"]["ref"] == customer["ref"]


def test_graph_call_carries_token_and_appsecret_proof(client, zalo):
    import hashlib
    import hmac

    user = zalo_user(zalo)
    token = zalo.issue_access_token(user.app_user_id)
    client.post("/api/v1/miniapp/session", json={"access_token": token})
    call = [r for r in zalo.requests if r["path"] == "/v2.0/me"][-1]
    assert call["headers"]["access_token"] == token
    assert call["headers"]["appsecret_proof"] == hmac.new(b"test-app-secret", token.encode(), hashlib.sha256).hexdigest()


def test_second_session_reuses_the_profile(client, zalo, app):
    user = zalo_user(zalo)
    first = open_session(client, zalo, user)
    second = open_session(client, zalo, user)
    assert first["customer"]["ref"] == second["customer"]["ref"]
    assert outbox_types(app) == ["customer.upserted"]  # nothing changed the second time


def test_invalid_token_is_401_problem(client, zalo):
    response = client.post("/api/v1/miniapp/session", json={"access_token": "not-a-token"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert "452" in response.get_json()["detail"]


def test_expired_token_is_401(client, zalo):
    user = zalo_user(zalo)
    token = zalo.issue_access_token(user.app_user_id, expires_in=-1)
    response = client.post("/api/v1/miniapp/session", json={"access_token": token})
    assert response.status_code == 401
    assert "expired" in response.get_json()["detail"]


def test_missing_token_is_422_naming_the_field(client, zalo):
    response = client.post("/api/v1/miniapp/session", json={})
    assert response.status_code == 422
    assert "access_token" in response.get_json()["errors"]


def test_zalo_down_is_503(client, zalo, app):
    app.extensions["zalo_graph"].http.base_url = "http://127.0.0.1:9"  # nothing listens on discard
    response = client.post("/api/v1/miniapp/session", json={"access_token": "x"})
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_session_token_expires(client, zalo, frozen_clock):
    user = zalo_user(zalo)
    body = open_session(client, zalo, user)
    frozen_clock.advance(seconds=3601)
    response = client.get("/api/v1/miniapp/me", headers=bearer(body))
    assert response.status_code == 401
    assert "expired" in response.get_json()["detail"]


def test_forged_session_token_is_401(client):
    response = client.get("/api/v1/miniapp/me", headers={"Authorization": "Bearer forged.token.value"})
    assert response.status_code == 401
