"""Per-person read markers: what each staff member has not read yet in each conversation.

The console marks a conversation read up to the last message it shows (`mark_read`), and the list shows
each person the customer messages that came after (`unread_counts`): "unanswered" says the shop owes the
customer an answer, "unread" says *I* have not looked. A marker only moves forward, so an old tab that
marks late cannot make read messages unread again.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import ConversationRead, Message
from ...models.conversation import INBOUND


def mark_read(session: Session, staff_id: int, conversation_id: int, message_id: int) -> None:
    """Move the staff member's marker in the conversation up to `message_id` (never back)."""
    marker = session.get(ConversationRead, (staff_id, conversation_id))
    if marker is None:
        session.add(ConversationRead(staff_id=staff_id, conversation_id=conversation_id,
                                     last_read_message_id=message_id, read_at=clock.now()))
    elif message_id > marker.last_read_message_id:
        marker.last_read_message_id, marker.read_at = message_id, clock.now()


def unread_counts(session: Session, staff_id: int, conversation_ids: list[int]) -> dict[int, int]:
    """{conversation id: customer messages after the staff member's marker} (absent: none unread)."""
    if not conversation_ids:
        return {}
    marker = (sa.select(ConversationRead.last_read_message_id)
              .where(ConversationRead.staff_id == staff_id, ConversationRead.conversation_id == Message.conversation_id)
              .scalar_subquery())
    rows = session.execute(
        sa.select(Message.conversation_id, sa.func.count())
        .where(Message.conversation_id.in_(conversation_ids), Message.direction == INBOUND,
               Message.internal.is_(False), Message.id > sa.func.coalesce(marker, 0))
        .group_by(Message.conversation_id)).all()
    return dict(rows)
