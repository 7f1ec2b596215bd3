"""Staff accounts and logins for tests."""
from __future__ import annotations

from miniapp_api.extensions import db
from miniapp_api.services.staff import access

PASSWORD = "mật-khẩu-đủ-dài-123"


def make_staff(app, role: str, email: str | None = None, **fields):
    with app.app_context():
        staff = access.create_staff(db.session, email or f"{role}@shop.vn", role.title(), role, PASSWORD)
        for name, value in fields.items():
            setattr(staff, name, value)
        db.session.commit()
        return staff.id


def login(client, email: str) -> dict:
    response = client.post("/api/v1/admin/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def auth(body: dict) -> dict:
    return {"Authorization": f"Bearer {body['token']}"}


def staff_headers(app, client, role: str, email: str | None = None, **fields) -> dict:
    """Create a staff member of `role` and return bearer headers for them."""
    make_staff(app, role, email, **fields)
    return auth(login(client, email or f"{role}@shop.vn"))
