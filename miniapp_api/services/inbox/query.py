"""Reading the inbox: who sees what, list filters with keyset pagination, the conversation detail.

The list is ordered by last activity (`updated_at`, then `id`, both descending)
and paged with an opaque cursor holding the last row's key, so pages stay stable
while new messages arrive (a conversation that moves to the top simply shows up
again on a fresh first page, never twice on one walk).

`sort=waited` puts the customers handed over to a human first, who has waited
longest first, then the rest by activity: the order a shift works through. Its
key moves as people are answered, so it pages by position (the cursor holds an
offset); a row may shift by one between pages, which a live console reloads.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

import marshmallow as ma
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import (Conversation, ConversationEvent, Customer, CustomerTag, FormSubmission, Message, Order,
    StaffUser, Tag)
from ...models.staff import AGENT
from ...models.types import MAX_ROW_ID
from ...schemas.base import within_time_range
from . import documents, search
from ..oa.window import FREE, FREE_WINDOW, PAID, PAID_WINDOW, window_state
from ..customers.snapshots import customer_snapshot
from ..staff.visibility import agent_conversations
from ..forms.answers import submission_brief

DETAIL_MESSAGES = 500
ACTIVITY, WAITED = "activity", "waited"
SORTS = (ACTIVITY, WAITED)
# Who has waited longest for a person: since their oldest unanswered message, or since the bot handed them over
# (a hand-over always follows a customer's message, so the first is set too unless a person answered since).
WAITED_SINCE = sa.func.coalesce(Conversation.awaiting_reply_since, Conversation.waiting_since)
WAITED_ORDER = (WAITED_SINCE.is_(None), WAITED_SINCE.asc(), *documents.ORDER)


class BadCursor(ValueError):
    """The cursor is not one this API handed out."""


def visible_to(staff: StaffUser | None):
    """The agent's conversations (`services.staff.visibility`); None means no restriction."""
    if staff is None or staff.role != AGENT:
        return None
    return agent_conversations(staff.id)


def encode_cursor(conversation: Conversation) -> str:
    raw = json.dumps([conversation.updated_at.isoformat(), conversation.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def decode_offset(cursor: str) -> int:
    try:
        offset = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["offset"]
        if type(offset) is not int or not 0 < offset <= MAX_ROW_ID:
            raise ValueError
        return offset
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise BadCursor("Unknown cursor; start again without one.") from exc


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        at, id_ = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        when = dt.datetime.fromisoformat(at)
        if when.tzinfo is None or type(id_) is not int or not 0 < id_ <= MAX_ROW_ID:  # type(): `true` is no id
            raise ValueError
        within_time_range(when)
        return when, id_
    except (ValueError, TypeError, binascii.Error, ma.ValidationError) as exc:
        raise BadCursor("Unknown cursor; start again without one.") from exc


def _window_condition(state: str, now: dt.datetime):
    last = Conversation.last_customer_message_at
    if state == FREE:
        return last >= now - FREE_WINDOW
    if state == PAID:
        return sa.and_(last < now - FREE_WINDOW, last >= now - PAID_WINDOW)
    return sa.or_(last.is_(None), last < now - PAID_WINDOW)


def filtered(query: dict, visible, now: dt.datetime):
    """The SELECT of conversations matching the list filters other than the text (`q`)."""
    statement = sa.select(Conversation)
    if visible is not None:
        statement = statement.where(visible)
    if "status" in query:
        statement = statement.where(Conversation.status == query["status"])
    if "assignee_id" in query:
        statement = statement.where(Conversation.assignee_id == query["assignee_id"])
    if "unassigned" in query:
        column = Conversation.assignee_id
        statement = statement.where(column.is_(None) if query["unassigned"] else column.is_not(None))
    if "waiting" in query:
        statement = statement.where(Conversation.waiting_for_human.is_(query["waiting"]))
    if "window" in query:
        statement = statement.where(_window_condition(query["window"], now))
    if "customer" in query:
        statement = statement.where(Conversation.customer_id.in_(
            sa.select(Customer.id).where(Customer.ref == query["customer"])))
    if "tag" in query:
        tagged = sa.select(CustomerTag.customer_id).join(Tag, Tag.id == CustomerTag.tag_id).where(
            Tag.name == query["tag"])
        statement = statement.where(Conversation.customer_id.in_(tagged))
    return statement


def page(session: Session, query: dict, visible, now: dt.datetime) -> tuple[list[Conversation], str | None]:
    """One page of conversations, newest activity first (or longest waiting first), and the next page's cursor."""
    statement = filtered(query, visible, now)
    if query.get("sort") == WAITED:
        return _waited_page(session, statement, query)
    if query.get("cursor"):
        at, id_ = decode_cursor(query["cursor"])
        statement = statement.where(sa.or_(Conversation.updated_at < at,
                                           sa.and_(Conversation.updated_at == at, Conversation.id < id_)))
    limit = query["limit"]
    if terms := search.words(query.get("q")):
        rows = documents.newest_matching(session, statement, terms, limit + 1)
    else:
        rows = list(session.scalars(statement.order_by(*documents.ORDER).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1]) if more else None


def _waited_page(session: Session, statement: sa.Select, query: dict) -> tuple[list[Conversation], str | None]:
    offset = decode_offset(query["cursor"]) if query.get("cursor") else 0
    if terms := search.words(query.get("q")):
        statement = documents.matching(session, statement, terms)
    limit = query["limit"]
    rows = list(session.scalars(statement.order_by(*WAITED_ORDER).offset(offset).limit(limit + 1)))
    more = len(rows) > limit
    return rows[:limit], encode_offset(offset + limit) if more else None


def summaries(session: Session, conversations: list[Conversation], now: dt.datetime) -> list[dict]:
    """List rows with their customer, assignee and last message (notes included), in three queries."""
    customer_ids = {c.customer_id for c in conversations}
    staff_ids = {c.assignee_id for c in conversations if c.assignee_id}
    ids = [c.id for c in conversations]
    customers = {c.id: c for c in session.scalars(sa.select(Customer).where(Customer.id.in_(customer_ids)))}
    staff = {s.id: s for s in session.scalars(sa.select(StaffUser).where(StaffUser.id.in_(staff_ids)))}
    latest = sa.select(sa.func.max(Message.id)).where(Message.conversation_id.in_(ids)).group_by(
        Message.conversation_id)
    last = {m.conversation_id: m for m in session.scalars(sa.select(Message).where(Message.id.in_(latest)))}
    return [summary(c, customers.get(c.customer_id), staff.get(c.assignee_id), last.get(c.id), now)
            for c in conversations]


def summary(conversation: Conversation, customer: Customer | None, assignee: StaffUser | None,
            last_message: Message | None, now: dt.datetime) -> dict:
    fields = ("id", "status", "assigned_at", "waiting_for_human", "waiting_since", "awaiting_reply_since",
              "last_customer_message_at", "opened_at", "closed_at", "updated_at")
    return {**{name: getattr(conversation, name) for name in fields}, "customer": customer, "assignee": assignee,
            "last_message": last_message, "window": window_state(conversation.last_customer_message_at, now)}


def detail(session: Session, conversation: Conversation, now: dt.datetime) -> dict:
    """Everything staff need to answer: messages and notes, timeline, profile, forms and orders."""
    customer = session.get(Customer, conversation.customer_id)
    messages = list(session.scalars(sa.select(Message).where(Message.conversation_id == conversation.id)
                                    .order_by(Message.sent_at.desc(), Message.id.desc())  # backfilled history
                                    .limit(DETAIL_MESSAGES)))[::-1]
    events = session.scalars(sa.select(ConversationEvent).where(
        ConversationEvent.conversation_id == conversation.id).order_by(ConversationEvent.id)).all()
    submissions = session.scalars(sa.select(FormSubmission).where(FormSubmission.customer_id == customer.id)
                                  .order_by(FormSubmission.id.desc())).all()
    orders = session.scalars(sa.select(Order).where(Order.customer_id == customer.id)
                             .order_by(Order.id.desc())).all()
    assignee = session.get(StaffUser, conversation.assignee_id) if conversation.assignee_id else None
    named = {m.author_staff_id for m in messages} | {e.staff_id for e in events} | {conversation.assignee_id}
    staff = session.scalars(sa.select(StaffUser).where(StaffUser.id.in_(named - {None}))
                            .order_by(StaffUser.id)).all()
    return {**summary(conversation, customer, assignee, messages[-1] if messages else None, now),
            "messages": messages, "events": events, "staff": staff, "profile": customer_snapshot(session, customer),
            "submissions": [submission_brief(s) for s in submissions],
            "orders": orders}

