"""What the console needs to start: its session's CSRF token again after a reload, and its files."""
from __future__ import annotations

from tests.staff_helpers import PASSWORD, make_staff


def test_session_gives_the_cookie_session_its_csrf_token_again(app, client):
    make_staff(app, "agent", "lan@shop.vn")
    login = client.post("/api/v1/admin/auth/login", json={"email": "lan@shop.vn", "password": PASSWORD}).get_json()

    again = client.get("/api/v1/admin/auth/session")  # the cookie only, as after a page reload
    assert again.status_code == 200
    body = again.get_json()
    assert body["csrf_token"] == login["csrf_token"] and body["staff"]["email"] == "lan@shop.vn"
    assert "token" not in body  # the session secret stays in the HttpOnly cookie

    changed = client.post("/api/v1/admin/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]})
    assert changed.status_code == 204
    assert client.get("/api/v1/admin/auth/session").status_code == 401


def test_session_is_for_staff_only(app, client):
    assert client.get("/api/v1/admin/auth/session").status_code == 401
    make_staff(app, "owner")
    owner = client.post("/api/v1/admin/auth/login", json={"email": "owner@shop.vn", "password": PASSWORD}).get_json()
    client.delete_cookie("staff_session", path="/api/v1/admin")
    key = client.post("/api/v1/admin/api-keys", json={"name": "crm", "scopes": ["customers:read"]},
                      headers={"Authorization": f"Bearer {owner['token']}"}).get_json()
    refused = client.get("/api/v1/admin/auth/session", headers={"Authorization": f"Bearer {key['secret']}"})
    assert refused.status_code == 403 and refused.get_json()["type"] == "urn:problem:staff-only"


def test_console_files_are_served_with_the_right_caching(client):
    with client.get("/console/") as page:
        assert page.status_code == 200 and b'type="importmap"' in page.data
        assert "no-cache" in page.headers["Cache-Control"]  # revalidated: an upgrade shows at once
    with client.get("/console/vendor/preact-11.2.0/preact.mjs") as vendored:
        assert vendored.status_code == 200 and "max-age=31536000" in vendored.headers["Cache-Control"]
    assert client.get("/console").status_code == 308
    assert client.get("/console/../miniapp_api/config.py").status_code == 404
