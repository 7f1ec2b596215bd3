"""Conversations with OA contacts: find or open the thread, add messages, apply receipts."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import Conversation, ConversationEvent, Message, MessageReceipt, OaContact
from ...models.conversation import (CLOSED, DELIVERY_ORDER, HUMAN_AUTHORS, INBOUND, OPEN, OPENED, OUTBOUND,
    REOPENED)


def current_conversation(session: Session, contact: OaContact, *, reopen: bool,
                         at: dt.datetime | None = None) -> Conversation:
    """The contact's latest conversation; a closed one is reopened when `reopen`, one is created if none.

    `at` is when the message that causes the opening happened (Zalo's timestamp, which
    precedes our processing): the opening is dated by it, so the message falls inside
    the segment it opened and starts a response cycle (docs/metrics.md).
    """
    conversation = session.scalar(sa.select(Conversation).where(Conversation.contact_id == contact.id)
                                  .order_by(Conversation.id.desc()).limit(1))
    now = clock.now()
    opened = min(at or now, now)
    if conversation is None:
        conversation = Conversation(contact_id=contact.id, customer_id=contact.customer_id, status=OPEN,
                                    opened_at=opened, updated_at=now)
        session.add(conversation)
        session.flush()
        session.add(ConversationEvent(conversation_id=conversation.id, kind=OPENED, at=opened))
    elif reopen and conversation.status == CLOSED:
        # never before the close: a message written before it but processed after still reopens
        opened = max(opened, conversation.closed_at or opened)
        conversation.status, conversation.closed_at, conversation.opened_at = OPEN, None, opened
        session.add(ConversationEvent(conversation_id=conversation.id, kind=REOPENED, at=opened))
    conversation.customer_id = contact.customer_id  # follows profile merges
    return conversation


def message_by_zalo_id(session: Session, zalo_msg_id: str | None) -> Message | None:
    if not zalo_msg_id:
        return None
    return session.scalar(sa.select(Message).where(Message.zalo_msg_id == zalo_msg_id))


def add_message(session: Session, conversation: Conversation, **fields) -> Message:
    """Store a message, with any receipt that arrived before it already applied."""
    now = clock.now()
    message = Message(conversation_id=conversation.id, created_at=now, **{"sent_at": now, **fields})
    session.add(message)
    if message.zalo_msg_id:
        _apply_known_receipts(session, message)
    _track_awaited_reply(conversation, message)
    conversation.updated_at = now
    session.flush()
    return message


def _track_awaited_reply(conversation: Conversation, message: Message) -> None:
    """A customer's message starts a wait for a person (if none is running); a person's answer at or after its
    start ends it (staff here or in Zalo's own console, as metrics count answers; bots and notes do not)."""
    if message.internal:
        return
    awaited = conversation.awaiting_reply_since
    if message.direction == INBOUND and message.author == "customer" and awaited is None:
        conversation.awaiting_reply_since = message.sent_at
    elif message.direction == OUTBOUND and message.author in HUMAN_AUTHORS and awaited is not None \
            and message.sent_at >= awaited:
        conversation.awaiting_reply_since = None


def advance_delivery(message: Message, state: str) -> None:
    """Move the delivery state forward only (seen never goes back to received)."""
    current = message.delivery_state
    if current in DELIVERY_ORDER and DELIVERY_ORDER.index(state) <= DELIVERY_ORDER.index(current):
        return
    if current == "failed" and state == "sent":
        return
    message.delivery_state = state


def _apply_known_receipts(session: Session, message: Message) -> None:
    states = session.scalars(sa.select(MessageReceipt.state).where(
        MessageReceipt.zalo_msg_id == message.zalo_msg_id)).all()
    for state in sorted(states, key=DELIVERY_ORDER.index):
        advance_delivery(message, state)


def record_receipts(session: Session, zalo_msg_ids: list[str], state: str, at: dt.datetime) -> None:
    """Keep the receipts, then update the messages already stored."""
    ids = [str(i) for i in zalo_msg_ids if i]
    if not ids:
        return
    known = set(session.scalars(sa.select(MessageReceipt.zalo_msg_id).where(
        MessageReceipt.zalo_msg_id.in_(ids), MessageReceipt.state == state)))
    for msg_id in dict.fromkeys(ids):
        if msg_id not in known:
            session.add(MessageReceipt(zalo_msg_id=msg_id, state=state, at=at))
    for message in session.scalars(sa.select(Message).where(Message.zalo_msg_id.in_(ids))):
        advance_delivery(message, state)
    session.flush()
