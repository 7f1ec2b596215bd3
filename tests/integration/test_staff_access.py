"""Staff logins (bearer and cookie + CSRF), rate limiting, integrator API keys, the audit log."""
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import ApiKeyUse, AuditEntry
from tests.staff_helpers import PASSWORD, auth, login, make_staff, staff_headers


def test_login_gives_a_bearer_token_and_an_httponly_cookie(app, client):
    make_staff(app, "owner")
    response = client.post("/api/v1/admin/auth/login", json={"email": "Owner@Shop.vn", "password": PASSWORD})
    assert response.status_code == 200
    cookie = response.headers["Set-Cookie"]
    assert "staff_session=sst_" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    body = response.get_json()
    assert body["staff"]["role"] == "owner" and "password" not in body["staff"]
    assert client.get("/api/v1/admin/auth/me", headers=auth(body)).get_json()["email"] == "owner@shop.vn"


def test_wrong_password_and_unknown_email_look_the_same(app, client):
    make_staff(app, "agent")
    wrong = client.post("/api/v1/admin/auth/login", json={"email": "agent@shop.vn", "password": "nope-nope-nope"})
    unknown = client.post("/api/v1/admin/auth/login", json={"email": "ghost@shop.vn", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["detail"] == unknown.get_json()["detail"]


def test_cookie_changes_need_the_csrf_token(app, client):
    make_staff(app, "owner")
    body = login(client, "owner@shop.vn")  # the test client keeps the cookie
    assert client.get("/api/v1/admin/staff").status_code == 200  # reads need no CSRF header
    new = {"email": "a@shop.vn", "name": "A", "role": "agent", "password": PASSWORD}
    refused = client.post("/api/v1/admin/staff", json=new)
    assert refused.status_code == 403 and "CSRF" in refused.get_json()["title"]
    assert client.post("/api/v1/admin/staff", json=new, headers={"X-CSRF-Token": body["csrf_token"]}).status_code == 201


def test_logout_ends_the_session(app, client):
    headers = staff_headers(app, client, "agent")
    assert client.post("/api/v1/admin/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/admin/auth/me", headers=headers).status_code == 401


def test_failed_logins_are_rate_limited(app, client):
    app.config["LOGIN_RATE_LIMIT"] = "3 per 15 minutes"
    make_staff(app, "agent")
    for _ in range(3):
        assert client.post("/api/v1/admin/auth/login", json={"email": "agent@shop.vn", "password": "x"}).status_code == 401
    blocked = client.post("/api/v1/admin/auth/login", json={"email": "agent@shop.vn", "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.mimetype == "application/problem+json" and blocked.headers["Retry-After"]


def test_deactivated_staff_lose_access_and_the_last_owner_stays(app, client):
    owner = staff_headers(app, client, "owner")
    agent_id = make_staff(app, "agent")
    agent = auth(login(client, "agent@shop.vn"))
    assert client.patch(f"/api/v1/admin/staff/{agent_id}", json={"active": False}, headers=owner).status_code == 200
    assert client.get("/api/v1/admin/auth/me", headers=agent).status_code == 401
    with app.app_context():
        from miniapp_api.models import StaffUser
        owner_id = db.session.scalar(sa.select(StaffUser.id).where(StaffUser.role == "owner"))
    assert client.patch(f"/api/v1/admin/staff/{owner_id}", json={"role": "admin"}, headers=owner).status_code == 409


def test_api_keys_are_shown_once_scoped_revocable_and_each_use_recorded(app, client):
    owner = staff_headers(app, client, "owner")
    created = client.post("/api/v1/admin/api-keys", json={"name": "ShopOne", "scopes": ["customers:read"]},
                          headers=owner).get_json()
    secret = created["secret"]
    assert secret.startswith("zk_") and created["prefix"] == secret[:10]
    listed = client.get("/api/v1/admin/api-keys", headers=owner).get_json()
    assert "secret" not in listed[0]
    key = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/admin/staff", headers=key).status_code == 403  # no role, no scope for it
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiKeyUse)) == 1
    assert client.delete(f"/api/v1/admin/api-keys/{created['id']}", headers=owner).status_code == 204
    assert client.get("/api/v1/admin/staff", headers=key).status_code == 401


def test_unknown_scope_is_422(app, client):
    owner = staff_headers(app, client, "owner")
    response = client.post("/api/v1/admin/api-keys", json={"name": "x", "scopes": ["everything"]}, headers=owner)
    assert response.status_code == 422 and "scopes" in response.get_json()["errors"]


def test_staff_actions_are_audited(app, client):
    owner = staff_headers(app, client, "owner")
    client.post("/api/v1/admin/staff", json={"email": "b@shop.vn", "name": "B", "role": "viewer",
                                             "password": PASSWORD}, headers=owner)
    entries = client.get("/api/v1/admin/audit?action=staff.create", headers=owner).get_json()
    assert len(entries) == 1
    assert entries[0]["actor_label"] == "owner@shop.vn" and entries[0]["detail"] == {"email": "b@shop.vn",
                                                                                     "role": "viewer"}
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEntry.ip)) == "127.0.0.1"


def test_staff_cli_bootstraps_the_owner(runner, app):
    result = runner.invoke(args=["staff", "create", "--email", "chu@shop.vn", "--name", "Chủ", "--role", "owner",
                                 "--password", PASSWORD])
    assert result.exit_code == 0 and "created owner chu@shop.vn" in result.output
    assert "too short" not in runner.invoke(args=["staff", "list"]).output
    short = runner.invoke(args=["staff", "create", "--email", "x@shop.vn", "--name", "X", "--role", "agent",
                                "--password", "short"])
    assert short.exit_code != 0 and "at least 10" in short.output


def test_ids_too_large_for_the_database_are_422_not_500(app, client):
    owner = staff_headers(app, client, "owner")
    huge = 2**63
    for path in (f"/api/v1/admin/conversations?assignee_id={huge}", f"/api/v1/admin/customers?segment={huge}",
                 f"/api/v1/admin/audit?before_id={huge}"):
        response = client.get(path, headers=owner)
        assert response.status_code == 422, (path, response.get_json())
    assert client.post("/api/v1/admin/conversations/1/assign", json={"staff_id": huge},
                       headers=owner).status_code in (404, 422)
