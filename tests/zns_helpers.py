"""ZNS test steps: templates in the emulator, a customer with a Zalo-verified phone, the worker's ZNS job."""
from __future__ import annotations

import requests
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Conversation, OaContact, ZnsMessage
from miniapp_api.services.zns.delivery import send_due
from tests.helpers import bearer, open_session
from tests.oa_helpers import customer_says, run_worker

ORDER_PARAMS = [{"name": "customer_name", "maxLength": 30}, {"name": "order_code", "maxLength": 12},
                {"name": "status", "maxLength": 30}, {"name": "total", "type": "NUMBER", "maxLength": 20,
                                                       "require": False}]


def put_template(zalo, template_id: str, params=ORDER_PARAMS, status: str = "ENABLE", name: str = "Cập nhật đơn"):
    """A template the OA owns at Zalo (through the emulator's control API)."""
    response = requests.post(f"{zalo.url}/_sandbox/zns/templates", timeout=5,
                             json={"template_id": template_id, "name": name, "status": status, "params": params})
    assert response.status_code == 201, response.text
    return response.json()


def set_quota(zalo, daily: int, remaining: int) -> None:
    assert requests.post(f"{zalo.url}/_sandbox/zns/quota", json={"daily": daily, "remaining": remaining},
                         timeout=5).status_code == 200


def sent_by_zalo(zalo) -> list[dict]:
    return requests.get(f"{zalo.url}/_sandbox/zns/messages", timeout=5).json()


def verified_customer(app, client, zalo, phone: str = "84912345678", text: str = "Cho hỏi đơn hàng") -> tuple:
    """A customer who shared their phone through Zalo (verified) and wrote to the OA; returns (user, conversation id)."""
    user = zalo.create_user("Nguyễn Văn An", phone=phone)
    session = open_session(client, zalo, user)
    token, code = zalo.issue_access_token(user.app_user_id), zalo.issue_phone_code(user.app_user_id)
    assert client.post("/api/v1/miniapp/phone", json={"access_token": token, "code": code},
                       headers=bearer(session)).status_code == 200
    customer_says(client, zalo, user, "text", text=text)
    run_worker(app)
    return user, conversation_of(app, user)


def conversation_of(app, user) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Conversation.id).join(OaContact).where(
            OaContact.oa_user_id == user.oa_user_id))


def sync_templates(client, headers) -> dict:
    response = client.post("/api/v1/admin/zns/templates/sync", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def run_zns(app, rounds: int = 1) -> None:
    """What the worker's `zns-outbound` job does in a few ticks."""
    with app.app_context():
        for _ in range(rounds):
            send_due(app, "test-worker")
        db.session.remove()


def zns_rows(app) -> list[ZnsMessage]:
    with app.app_context():
        rows = db.session.scalars(sa.select(ZnsMessage).order_by(ZnsMessage.id)).all()
        db.session.expunge_all()
        return rows
