"""Where each staff member stopped reading each conversation: the console's per-person unread counts."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class ConversationRead(db.Model):
    """Staff member S has read conversation C up to message M (ids only: nothing personal)."""

    __tablename__ = "conversation_read"

    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversation.id", ondelete="CASCADE"),
                                                 primary_key=True)
    last_read_message_id: Mapped[int]
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
