"""Read markers: `POST /api/v1/admin/conversations/<id>/read` (services/inbox/reads.py).

For people, not integrations: an API key has no one to have read anything, so it is refused. Anyone who
may read the conversation may mark it read; the list then shows them `unread` per conversation.
"""
from __future__ import annotations

import sqlalchemy as sa

from ...errors import ValidationProblem
from ...extensions import db
from ...models import Message
from ...schemas.inbox import ReadRequest
from ...services.inbox import reads
from ...services.transactions import run_in_transaction
from .access import STAFF_SECURITY, current, require
from .inbox import READERS, _visible_conversation, blp


@blp.route("/conversations/<int:conversation_id>/read", methods=["POST"])
@require(roles=READERS)
@blp.arguments(ReadRequest)
@blp.response(204)
@blp.alt_response(404, description="No such conversation, or not visible to this agent")
@blp.alt_response(422, description="`message_id` is not a message of this conversation")
@blp.doc(security=STAFF_SECURITY)
def mark_read(body, conversation_id):
    """Mark the conversation read, for me, up to a message (default: its latest). Markers never move back."""
    conversation = _visible_conversation(conversation_id)
    wanted = sa.select(sa.func.max(Message.id)).where(Message.conversation_id == conversation.id)
    if "message_id" in body:
        wanted = wanted.where(Message.id == body["message_id"])
    message_id = db.session.scalar(wanted)
    if message_id is None:
        if "message_id" in body:
            raise ValidationProblem({"message_id": ["Not a message of this conversation."]})
        return None
    staff_id = current().id
    run_in_transaction(db.session, lambda: reads.mark_read(db.session, staff_id, conversation.id, message_id))
    return None
