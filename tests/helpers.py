"""Small steps most tests repeat: a Zalo test user, a Mini App session, a valid form body."""
from __future__ import annotations

import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import OutboxEvent


def zalo_user(zalo, name="Nguyễn Văn An", phone="84912345678", **ids):
    return zalo.create_user(name=name, phone=phone, **ids)


def open_session(client, zalo, user, **extra):
    token = zalo.issue_access_token(user.app_user_id)
    response = client.post("/api/v1/miniapp/session", json={"access_token": token, **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def bearer(session_body) -> dict:
    return {"Authorization": f"Bearer {session_body['session_token']}"}


def contact_values(**overrides) -> dict:
    values = {"full_name": "Nguyễn Văn An", "phone": "0912 345 678", "email": "An@Example.vn",
              "province": "ha-noi", "interest": "pricing", "note": "Gọi sau 18h", "marketing_consent": True}
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not ...}


def outbox_types(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(OutboxEvent.event_type).order_by(OutboxEvent.id)))
