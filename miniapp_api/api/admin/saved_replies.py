"""Saved replies: every staff role reads them (the composer offers them); owners and admins manage them."""
from __future__ import annotations

import sqlalchemy as sa
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError

from ... import clock
from ...errors import Problem
from ...extensions import db
from ...models import SavedReply
from ...models.staff import ADMIN, OWNER, ROLES
from ...schemas.saved_replies import SavedReplyPatch, SavedReplySchema
from ...services import audit
from ...services.transactions import run_in_transaction
from .access import STAFF_SECURITY, require

blp = Blueprint("admin_saved_replies", __name__, url_prefix="/api/v1/admin", description="Saved replies")
MANAGERS = (OWNER, ADMIN)


def _get(reply_id: int) -> SavedReply:
    reply = db.session.get(SavedReply, reply_id)
    if reply is None:
        raise Problem(404, f"No saved reply {reply_id}.", title="Not Found")
    return reply


def _saved(work) -> SavedReply:
    """Run a create or an edit; a shortcut already in use is a 409 naming it, not a retry."""
    try:
        return run_in_transaction(db.session, work, attempts=1)
    except IntegrityError as exc:
        raise Problem(409, "Another saved reply has that shortcut.", title="Conflict",
                      detail_vi="Đã có câu trả lời mẫu dùng phím tắt này.") from exc


@blp.route("/saved-replies")
@require(roles=ROLES, scope="conversations:read")
@blp.response(200, SavedReplySchema(many=True))
@blp.doc(security=STAFF_SECURITY)
def list_saved_replies():
    """Every saved reply, by shortcut."""
    return db.session.scalars(sa.select(SavedReply).order_by(SavedReply.shortcut)).all()


@blp.route("/saved-replies", methods=["POST"])
@require(roles=MANAGERS)
@blp.arguments(SavedReplySchema)
@blp.response(201, SavedReplySchema)
@blp.alt_response(409, description="The shortcut is taken")
@blp.doc(security=STAFF_SECURITY)
def create_saved_reply(body):
    def work():
        reply = SavedReply(**body, created_at=clock.now(), updated_at=clock.now())
        db.session.add(reply)
        db.session.flush()
        audit.record(db.session, "saved_reply.create", "saved_reply", reply.id, shortcut=reply.shortcut)
        return reply

    return _saved(work)


@blp.route("/saved-replies/<int:reply_id>", methods=["PATCH"])
@require(roles=MANAGERS)
@blp.arguments(SavedReplyPatch(partial=True))
@blp.response(200, SavedReplySchema)
@blp.alt_response(409, description="The shortcut is taken")
@blp.doc(security=STAFF_SECURITY)
def update_saved_reply(body, reply_id):
    def work():
        reply = _get(reply_id)
        for name, value in body.items():
            setattr(reply, name, value)
        reply.updated_at = clock.now()
        db.session.flush()
        audit.record(db.session, "saved_reply.update", "saved_reply", reply.id, fields=sorted(body))
        return reply

    return _saved(work)


@blp.route("/saved-replies/<int:reply_id>", methods=["DELETE"])
@require(roles=MANAGERS)
@blp.response(204)
@blp.doc(security=STAFF_SECURITY)
def delete_saved_reply(reply_id):
    def work():
        reply = _get(reply_id)
        audit.record(db.session, "saved_reply.delete", "saved_reply", reply.id, shortcut=reply.shortcut)
        db.session.delete(reply)

    run_in_transaction(db.session, work)
