"""The console's change feed: one row per thing an open console should show again.

Every write that changes what the inbox shows (a message, a note, a delivery
receipt, an assignment, a close or reopen) adds a row here in the same
transaction (`services.live.changes`). Consoles read the rows after the last
id they saw (`GET /api/v1/admin/changes`), so live updates work the same with
SQLite in one process and with PostgreSQL behind several hosts: the database
is the only thing they share. Rows are kept `CONSOLE_CHANGES_KEEP_HOURS`.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime

# kinds
CONVERSATION, MESSAGE, NOTE, MESSAGE_STATUS = "conversation", "message", "note", "message.status"
KINDS = (CONVERSATION, MESSAGE, NOTE, MESSAGE_STATUS)


class ConsoleChange(db.Model):
    """"Conversation N changed this way": what consoles poll for; no personal data, only ids."""

    __tablename__ = "console_change"
    # AUTOINCREMENT on SQLite: ids are never reused after the oldest rows are pruned, so a cursor stays valid.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    # Who held the conversation before an assignment change, so the agent it was taken from hears of it too.
    previous_assignee_id: Mapped[int | None] = mapped_column(sa.Integer)
    # It left the unassigned queue every agent reads (claimed, assigned, closed): every agent's console drops it.
    from_queue: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
