"""The inbox's per-conversation search document: one row per conversation, kept by database triggers.

Searching the conversation list by text used to collect every matching message
before ordering by activity (140–175 ms at 1M messages for a common phrase).
One row per conversation, holding its customer's search text and the search
text of all its messages, lets the list check a conversation in one look-up
while it walks the activity order (`services.inbox.documents`). Triggers on
`conversation`, `customer` and `message` (migration `0021_conversation_search`)
keep it in the same transaction as every write, bulk SQL included, so nothing
in the application can forget it. Its text indexes are SQL only (`models.sql_only`).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class ConversationSearch(db.Model):
    """Normalised text (`services.inbox.search_text`) a conversation is found by."""

    __tablename__ = "conversation_search"

    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversation.id", ondelete="CASCADE"),
                                                 primary_key=True, autoincrement=False)
    # The customer's `search_text` (null when erased or merged away).
    customer_text: Mapped[str | None] = mapped_column(sa.Text)
    # Every message's `search_text` (notes included), separated by spaces.
    message_text: Mapped[str | None] = mapped_column(sa.Text)
