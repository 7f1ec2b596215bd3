"""Who handles a conversation: claims, assignment, take-over, close/reopen, automatic routing.

Double replies are prevented by ownership: a conversation has at most one
assignee, and taking an unassigned one is a single compare-and-set UPDATE
(`... WHERE assignee_id IS NULL`), so of two agents claiming at once exactly one
wins, on SQLite and PostgreSQL alike. Every change appends a ConversationEvent
(metrics are computed from the timeline) and an audit entry, in the caller's
transaction; the worker's jobs (`auto_assign`, `reassign_stale`) do the same as
"system".
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import Conversation, ConversationEvent, Message, StaffUser
from ...models.conversation import (ASSIGNED, CLOSED, CLOSED_EVENT, HUMAN_AUTHORS, INBOUND, OPEN, REOPENED,
    UNASSIGNED)
from ...models.staff import AGENT
from .. import audit


HELD, CLOSED_NOW, SUPERSEDED = "held", "closed", "superseded"


class InboxConflict(Exception):
    """The conversation is not in a state that allows this: `reason` is held (by `owner`), closed or superseded
    (the customer has a newer conversation, `newer_id`)."""

    def __init__(self, detail: str, reason: str, conversation_id: int, *, owner: StaffUser | None = None,
                 newer_id: int | None = None):
        super().__init__(detail)
        self.reason, self.conversation_id, self.owner, self.newer_id = reason, conversation_id, owner, newer_id


def closed_conflict(conversation: Conversation) -> InboxConflict:
    return InboxConflict(f"Conversation {conversation.id} is closed; reopen it first.", CLOSED_NOW, conversation.id)


def _event(session: Session, conversation: Conversation, kind: str, staff_id: int | None, **detail) -> None:
    session.add(ConversationEvent(conversation_id=conversation.id, kind=kind, staff_id=staff_id, detail=detail,
                                  at=clock.now()))


def owner_conflict(session: Session, conversation: Conversation) -> InboxConflict:
    owner = session.get(StaffUser, conversation.assignee_id)
    name = f"{owner.name} <{owner.email}>" if owner else f"staff {conversation.assignee_id}"
    return InboxConflict(f"Conversation {conversation.id} is already handled by {name}.", HELD, conversation.id,
                         owner=owner)


def claim(session: Session, conversation: Conversation, staff: StaffUser, *, reason: str = "claim") -> bool:
    """Take an unassigned conversation atomically; True when taken now, False when already ours.

    Raises InboxConflict naming the owner when someone else holds it.
    """
    if conversation.status == CLOSED:
        raise closed_conflict(conversation)
    session.flush()
    now = clock.now()
    taken = session.execute(
        sa.update(Conversation)
        .where(Conversation.id == conversation.id, Conversation.assignee_id.is_(None),
               Conversation.status != CLOSED)
        .values(assignee_id=staff.id, assigned_at=now)
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(conversation)
    if not taken:
        if conversation.assignee_id == staff.id:
            return False
        if conversation.status == CLOSED:
            raise closed_conflict(conversation)
        raise owner_conflict(session, conversation)
    _event(session, conversation, ASSIGNED, staff.id, reason=reason, previous=None)
    audit.record(session, f"conversation.{reason}", "conversation", conversation.id, assignee_id=staff.id)
    return True


def assign(session: Session, conversation: Conversation, staff: StaffUser, *, reason: str = "assign") -> None:
    """Give the conversation to `staff`, whoever held it (admins, take-over, automatic routing)."""
    if conversation.status == CLOSED:
        raise closed_conflict(conversation)
    previous = conversation.assignee_id
    if previous == staff.id:
        return
    if previous is not None:
        _event(session, conversation, UNASSIGNED, previous, reason=reason)
    conversation.assignee_id, conversation.assigned_at = staff.id, clock.now()
    _event(session, conversation, ASSIGNED, staff.id, reason=reason, previous=previous)
    audit.record(session, f"conversation.{reason}", "conversation", conversation.id, assignee_id=staff.id,
                 previous_assignee_id=previous)


def unassign(session: Session, conversation: Conversation, *, reason: str = "unassign") -> None:
    """Put the conversation back in the unassigned queue."""
    previous = conversation.assignee_id
    if previous is None:
        return
    conversation.assignee_id, conversation.assigned_at = None, None
    _event(session, conversation, UNASSIGNED, previous, reason=reason)
    audit.record(session, f"conversation.{reason}", "conversation", conversation.id, previous_assignee_id=previous)


def close(session: Session, conversation: Conversation) -> None:
    """Close, unassigning it; a closed conversation reopens when the customer writes again."""
    if conversation.status == CLOSED:
        return
    unassign(session, conversation, reason="close")
    now = clock.now()
    conversation.status, conversation.closed_at = CLOSED, now
    conversation.waiting_for_human, conversation.waiting_since = False, None
    conversation.awaiting_reply_since = None  # closed: the shop owes no answer until the customer writes again
    _event(session, conversation, CLOSED_EVENT, None)
    audit.record(session, "conversation.close", "conversation", conversation.id)


def reopen(session: Session, conversation: Conversation) -> None:
    """Reopen the contact's latest conversation (a contact has at most one that is not closed)."""
    if conversation.status != CLOSED:
        return
    newer = session.scalar(sa.select(Conversation.id).where(Conversation.contact_id == conversation.contact_id,
                                                            Conversation.id > conversation.id).limit(1))
    if newer is not None:
        raise InboxConflict(f"The customer has a newer conversation ({newer}); continue there.", SUPERSEDED,
                            conversation.id, newer_id=newer)
    now = clock.now()
    conversation.status, conversation.closed_at, conversation.opened_at = OPEN, None, now
    _event(session, conversation, REOPENED, None)
    audit.record(session, "conversation.reopen", "conversation", conversation.id)


class Roster:
    """Available agents with free capacity, least recently assigned first (round-robin)."""

    def __init__(self, session: Session):
        agents = session.scalars(sa.select(StaffUser).where(
            StaffUser.role == AGENT, StaffUser.active.is_(True), StaffUser.available.is_(True))).all()
        loads = dict(session.execute(
            sa.select(Conversation.assignee_id, sa.func.count()).where(
                Conversation.status != CLOSED, Conversation.assignee_id.is_not(None))
            .group_by(Conversation.assignee_id)).all())
        last = dict(session.execute(
            sa.select(ConversationEvent.staff_id, sa.func.max(ConversationEvent.id))
            .where(ConversationEvent.kind == ASSIGNED).group_by(ConversationEvent.staff_id)).all())
        self.load = {a.id: loads.get(a.id, 0) for a in agents}
        self.queue = sorted(agents, key=lambda a: (last.get(a.id, 0), a.id))

    def next(self, exclude: int | None = None) -> StaffUser | None:
        for agent in self.queue:
            if agent.id != exclude and self.load[agent.id] < agent.capacity:
                self.queue.remove(agent)
                self.queue.append(agent)
                self.load[agent.id] += 1
                return agent
        return None


def auto_assign(session: Session, limit: int = 100) -> int:
    """Route unassigned conversations where a customer is waiting to available agents; returns how many."""
    roster = Roster(session)
    waiting = session.scalars(
        sa.select(Conversation).where(Conversation.status != CLOSED, Conversation.assignee_id.is_(None),
                                      Conversation.last_customer_message_at.is_not(None))
        .order_by(sa.func.coalesce(Conversation.waiting_since, Conversation.last_customer_message_at),
                  Conversation.id).limit(limit).with_for_update(skip_locked=True)).all()
    assigned = 0
    for conversation in waiting:
        agent = roster.next()
        if agent is None:
            break
        try:
            assigned += claim(session, conversation, agent, reason="auto_assign")
        except InboxConflict:
            continue  # another worker routed it first
    return assigned


def owed_reply_since(session: Session, conversation: Conversation) -> dt.datetime | None:
    """When the customer's oldest message stored after the last human reply was sent, if any.

    Order is by storage (message id): a reply's own `sent_at` moves when the worker delivers it.
    """
    last_reply = session.scalar(sa.select(sa.func.max(Message.id)).where(
        Message.conversation_id == conversation.id, Message.author.in_(HUMAN_AUTHORS),
        Message.internal.is_(False)))
    return session.scalar(sa.select(sa.func.min(Message.sent_at)).where(
        Message.conversation_id == conversation.id, Message.direction == INBOUND, Message.author == "customer",
        Message.id > (last_reply or 0)))


def reassign_stale(session: Session, after: dt.timedelta) -> int:
    """Move conversations whose assignee left the customer unanswered for `after` to another
    available agent (or back to the queue when nobody is free); returns how many moved."""
    now = clock.now()
    candidates = session.scalars(sa.select(Conversation).where(
        Conversation.status != CLOSED, Conversation.assignee_id.is_not(None),
        Conversation.assigned_at <= now - after, Conversation.last_customer_message_at.is_not(None))
        .with_for_update(skip_locked=True)).all()
    roster = None
    moved = 0
    for conversation in candidates:
        owed = owed_reply_since(session, conversation)
        if owed is None or now - max(owed, conversation.assigned_at) < after:
            continue
        roster = roster or Roster(session)
        previous = conversation.assignee_id
        successor = roster.next(exclude=previous)
        if successor is not None:
            assign(session, conversation, successor, reason="reassign_no_reply")
        else:
            unassign(session, conversation, reason="reassign_no_reply")
        moved += 1
    return moved
