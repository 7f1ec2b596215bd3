"""OA conversations: the Zalo contact, their threads with the shop, and every message."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import JSONType, UTCDateTime, utcnow

OPEN, PENDING, CLOSED = "open", "pending", "closed"
CONVERSATION_STATUSES = (OPEN, PENDING, CLOSED)
INBOUND, OUTBOUND = "in", "out"
# Who answers a customer: staff here, or a person in Zalo's own OA console (bots and system messages do not).
HUMAN_AUTHORS = ("staff", "oa_console")
# Delivery states of an outbound message, in the order they can only move forward.
DELIVERY_ORDER = ("queued", "sent", "received", "seen")
FAILED = "failed"


class OaContact(db.Model):
    """A Zalo user as the OA knows them (OA-scoped id), linked to one customer profile.

    Follower status only moves with newer events (`follow_event_ms`), so an
    unfollow that arrives before an older follow is not undone by it.
    `last_interaction_at` drives the 48 h / 7 day messaging window.
    """

    __tablename__ = "oa_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    oa_user_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    app_user_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    is_follower: Mapped[bool | None]
    follow_source: Mapped[str | None] = mapped_column(sa.String(64))
    follow_event_ms: Mapped[int | None] = mapped_column(sa.BigInteger)
    followed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    unfollowed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_interaction_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    enrichment_queued: Mapped[bool] = mapped_column(default=False)
    enriched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Conversation(db.Model):
    """One thread between the shop and a contact; at most one is not closed per contact."""

    __tablename__ = "conversation"
    # The inbox lists newest activity first and pages by keyset on (updated_at, id).
    __table_args__ = (sa.Index("ix_conversation_updated_at_id", "updated_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("oa_contact.id"), index=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=OPEN)
    waiting_for_human: Mapped[bool] = mapped_column(default=False)
    waiting_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_customer_message_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The customer's oldest message no person has answered yet (bots do not answer); None: nobody is owed one.
    awaiting_reply_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    last_auto_reply_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contact: Mapped[OaContact] = relationship()


class Message(db.Model):
    """A message in a conversation, either direction; `zalo_msg_id` is Zalo's id once known.

    `author` says who spoke: the customer, the shop's staff in Zalo's console
    (`oa_console`), staff through us (`staff`), automatic replies (`bot`) or the
    system (welcome, notifications).
    """

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversation.id"), index=True)
    direction: Mapped[str] = mapped_column(sa.String(3))
    author: Mapped[str] = mapped_column(sa.String(16))
    author_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    internal: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # staff note, never sent
    type: Mapped[str] = mapped_column(sa.String(32))
    text: Mapped[str | None] = mapped_column(sa.Text)
    # `text` without diacritics, lower case (services.inbox.search_text); indexed in SQL only (see models.sql_only).
    search_text: Mapped[str | None] = mapped_column(sa.Text)
    attachments: Mapped[list] = mapped_column(JSONType, default=list)
    zalo_msg_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    quote_msg_id: Mapped[str | None] = mapped_column(sa.String(64))
    delivery_state: Mapped[str | None] = mapped_column(sa.String(16))
    failure_reason: Mapped[str | None] = mapped_column(sa.String(500))
    paid: Mapped[bool] = mapped_column(default=False)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MessageReceipt(db.Model):
    """A delivery receipt (received/seen) for a Zalo message id, kept even when it arrives
    before the message it is about, and applied when that message is stored."""

    __tablename__ = "message_receipt"
    __table_args__ = (sa.UniqueConstraint("zalo_msg_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zalo_msg_id: Mapped[str] = mapped_column(sa.String(64))
    state: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


OPENED, REOPENED, CLOSED_EVENT, HANDED_OVER, ASSIGNED, UNASSIGNED = (
    "opened", "reopened", "closed", "handed_over", "assigned", "unassigned")


class ConversationEvent(db.Model):
    """Append-only timeline of a conversation (opened, reopened, closed, handed over, assigned, ...).

    Metrics are computed from it and from messages, so they can be recomputed for any period.
    """

    __tablename__ = "conversation_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversation.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    detail: Mapped[dict] = mapped_column(JSONType, default=dict)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
