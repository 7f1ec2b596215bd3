"""Inbox test steps: open conversations through real signed webhooks, call the inbox API."""
from __future__ import annotations

import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import AuditEntry, Conversation, ConversationEvent, OaContact
from tests.oa_helpers import customer_says, run_worker

BASE = "/api/v1/admin/conversations"


def open_conversation(app, client, zalo, name: str = "Nguyễn Văn An", text: str = "Cho mình hỏi giá áo",
                      phone: str | None = None) -> int:
    """A customer writes to the OA; the worker applies it (and fetches the profile). Returns the conversation id."""
    user = zalo.create_user(name, phone=phone)
    customer_says(client, zalo, user, "text", text=text)
    run_worker(app)
    with app.app_context():
        return db.session.scalar(sa.select(Conversation.id).join(OaContact).where(
            OaContact.oa_user_id == user.oa_user_id))


def call(client, method: str, path: str, headers: dict, **kwargs):
    """(status, json) of one request, the response closed."""
    response = client.open(path, method=method, headers=headers, **kwargs)
    try:
        return response.status_code, response.get_json()
    finally:
        response.close()


def events(app, conversation_id: int) -> list[tuple[str, int | None, str | None]]:
    """The timeline as (kind, staff_id, reason)."""
    with app.app_context():
        rows = db.session.scalars(sa.select(ConversationEvent).where(
            ConversationEvent.conversation_id == conversation_id).order_by(ConversationEvent.id)).all()
        return [(e.kind, e.staff_id, (e.detail or {}).get("reason")) for e in rows]


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
