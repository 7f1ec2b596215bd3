"""Customer-care metrics over a period, overall and per agent (definitions: docs/metrics.md).

Rows are fetched for the conversations active in the period and replayed by
`response_cycles`; counts that need no replay (replies, forms, follows) are
aggregated in SQL. Everything is recomputed from the append-only timeline, so
any period can be asked for at any time.
"""
from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import math
import statistics

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock

from ...models import Conversation, ConversationEvent, Customer, FormSubmission, Message, OaContact, Order, StaffUser
from ...models.conversation import (ASSIGNED, FAILED, HUMAN_AUTHORS, INBOUND, OPENED, OUTBOUND, REOPENED,
    UNASSIGNED)
from ..business_hours import business_seconds
from .response_cycles import Item, Segment, classify, replay


@dataclasses.dataclass(frozen=True)
class Period:
    """[start, end) in UTC."""

    start: dt.datetime
    end: dt.datetime

    def __contains__(self, when: dt.datetime | None) -> bool:
        return when is not None and self.start <= when < self.end

    def days(self) -> list[dt.date]:
        """The local (Asia/Ho_Chi_Minh) dates the period covers, in order."""
        first, last = local_day(self.start), local_day(self.end - dt.timedelta(microseconds=1))
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def local_day(when: dt.datetime) -> dt.date:
    return when.astimezone(clock.LOCAL_TZ).date()


def _local_date_sql(session: Session, column):
    """The local date of a UTC timestamp column, in SQL (Vietnam keeps UTC+7 all year: no daylight saving)."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.date(sa.func.timezone(str(clock.LOCAL_TZ), column))
    return sa.func.date(column, "+7 hours")


@dataclasses.dataclass
class _Tally:
    cycles: int = 0
    answered: int = 0
    first_response: list[float] = dataclasses.field(default_factory=list)
    conversations: set[int] = dataclasses.field(default_factory=set)
    resolution: list[float] = dataclasses.field(default_factory=list)
    replies: int = 0

    def report(self) -> dict:
        return {"conversations": len(self.conversations), "cycles": self.cycles, "answered": self.answered,
                "response_rate": round(self.answered / self.cycles, 4) if self.cycles else None,
                "first_response_seconds": summary(self.first_response), "resolved": len(self.resolution),
                "resolution_seconds": summary(self.resolution), "replies": self.replies}


def summary(values: list[float]) -> dict:
    """Count, average, median and 90th percentile (nearest rank) in seconds; None figures when empty."""
    if not values:
        return {"count": 0, "average": None, "median": None, "p90": None}
    ordered = sorted(values)
    return {"count": len(ordered), "average": round(statistics.fmean(ordered), 1),
            "median": round(statistics.median(ordered), 1),
            "p90": round(ordered[math.ceil(0.9 * len(ordered)) - 1], 1)}


def compute(session: Session, period: Period, *, business_hours: str | None, conversion_days: int) -> dict:
    """The whole report: overall and per-agent conversation figures, forms → orders, follows."""
    segments = _segments(session, period)
    overall, agents, daily = _Tally(), collections.defaultdict(_Tally), collections.defaultdict(_Tally)
    opened = reopened = closed = waiting = 0
    for segment in segments:
        opened += segment.opened_at in period and not segment.reopened
        reopened += segment.opened_at in period and segment.reopened
        for cycle in segment.cycles:
            if cycle.started_at not in period:
                continue
            waiting += cycle.answered_at is None and segment.closed_at is None
            for tally in (overall, agents[cycle.agent_id], daily[local_day(cycle.started_at)]):
                tally.cycles += 1
                tally.conversations.add(segment.conversation_id)
                if cycle.answered_at is not None:
                    tally.answered += 1
                    tally.first_response.append(business_seconds(business_hours, cycle.started_at,
                                                                 cycle.answered_at))
        if segment.closed_at in period:
            closed += 1
            for tally in (overall, agents[segment.agent_id], daily[local_day(segment.closed_at)]):
                tally.resolution.append((segment.closed_at - segment.opened_at).total_seconds())
    for staff_id, day, count in _replies(session, period):
        overall.replies += count
        agents[staff_id].replies += count
        daily[dt.date.fromisoformat(str(day))].replies += count
    return {"overall": {**overall.report(), "opened": opened, "reopened": reopened, "closed": closed,
                        "waiting": waiting},
            "agents": _agent_rows(session, agents),
            "days": [{"date": day, **daily[day].report()} for day in period.days()],
            "forms": _forms(session, period, conversion_days),
            "followers": _followers(session, period)}


def _active_conversations(period: Period):
    """Conversations with a timeline event or a customer message in the period (a subquery)."""
    by_event = sa.select(ConversationEvent.conversation_id).where(
        ConversationEvent.at >= period.start, ConversationEvent.at < period.end)
    by_message = sa.select(Message.conversation_id).where(
        Message.direction == INBOUND, Message.sent_at >= period.start, Message.sent_at < period.end)
    return sa.union(by_event, by_message).subquery()


def _segments(session: Session, period: Period) -> list[Segment]:
    active = sa.select(_active_conversations(period).c[0])
    conversations = session.execute(sa.select(Conversation.id, Conversation.opened_at, Conversation.assignee_id)
                                    .where(Conversation.id.in_(active))).all()
    items: dict[int, list[Item]] = collections.defaultdict(list)
    for cid, kind, staff_id, at in session.execute(
            sa.select(ConversationEvent.conversation_id, ConversationEvent.kind, ConversationEvent.staff_id,
                      ConversationEvent.at).where(ConversationEvent.conversation_id.in_(active))):
        items[cid].append(Item(at, kind, staff_id))
    assignee = {}
    for cid, opened_at, assignee_id in conversations:
        kinds = {item.kind for item in items[cid]}
        if not kinds & {OPENED, REOPENED}:
            items[cid].append(Item(opened_at, OPENED))  # older than the event timeline: from its last opening
        assignee[cid] = None if kinds & {ASSIGNED, UNASSIGNED} else assignee_id
    since = min((_replay_from(items[cid], period) for cid, _, _ in conversations), default=period.start)
    for cid, direction, author, internal, state, staff_id, at in session.execute(
            sa.select(Message.conversation_id, Message.direction, Message.author, Message.internal,
                      Message.delivery_state, Message.author_staff_id, Message.sent_at)
            .where(Message.conversation_id.in_(active), Message.sent_at >= since)):
        kind = classify(direction, author, internal, state)
        if kind is not None:
            items[cid].append(Item(at, kind, staff_id))
    return [segment for cid, _, _ in conversations for segment in replay(cid, items[cid], assignee[cid])]


def _replay_from(items: list[Item], period: Period) -> dt.datetime:
    """Where messages must be read from: the opening of the segment the period starts in."""
    openings = sorted(item.at for item in items if item.kind in (OPENED, REOPENED))
    before = [at for at in openings if at <= period.start]
    return before[-1] if before else min(openings[0], period.start)


def _replies(session: Session, period: Period) -> list[tuple[int | None, object, int]]:
    """Human replies sent in the period, per staff member (None: Zalo's OA console) and local day."""
    day = _local_date_sql(session, Message.sent_at)
    return session.execute(
        sa.select(Message.author_staff_id, day, sa.func.count()).where(
            Message.direction == OUTBOUND, Message.author.in_(HUMAN_AUTHORS), Message.internal.is_(False),
            sa.or_(Message.delivery_state.is_(None), Message.delivery_state != FAILED),
            Message.sent_at >= period.start, Message.sent_at < period.end)
        .group_by(Message.author_staff_id, day)).all()


def _agent_rows(session: Session, agents: dict[int | None, _Tally]) -> list[dict]:
    ids = [staff_id for staff_id in agents if staff_id is not None]
    staff = {s.id: s for s in session.scalars(sa.select(StaffUser).where(StaffUser.id.in_(ids)))} if ids else {}
    rows = []
    for staff_id in sorted(agents, key=lambda i: (i is None, i or 0)):
        person = staff.get(staff_id)
        rows.append({"staff_id": staff_id, "name": person.name if person else None,
                     "email": person.email if person else None, **agents[staff_id].report()})
    return rows


def _live_ids(session: Session) -> dict[int, int]:
    """Merged-away customer id → the profile it lives on now, so merges do not hide conversions."""
    parents = dict(session.execute(sa.select(Customer.id, Customer.merged_into_id)
                                   .where(Customer.merged_into_id.is_not(None))).all())
    live = {}
    for customer_id in parents:
        root, seen = customer_id, set()
        while root in parents and root not in seen:
            seen.add(root)
            root = parents[root]
        live[customer_id] = root
    return live


def _forms(session: Session, period: Period, conversion_days: int) -> dict:
    """Submissions in the period, and how many were followed by an order of the same customer in the window."""
    window = dt.timedelta(days=conversion_days)
    submissions = session.execute(sa.select(FormSubmission.customer_id, FormSubmission.created_at).where(
        FormSubmission.created_at >= period.start, FormSubmission.created_at < period.end)).all()
    live = _live_ids(session)
    orders = collections.defaultdict(list)
    for customer_id, created_at in session.execute(sa.select(Order.customer_id, Order.created_at).where(
            Order.customer_id.is_not(None), Order.created_at >= period.start,
            Order.created_at < period.end + window)):
        orders[live.get(customer_id, customer_id)].append(created_at)
    converted = sum(1 for customer_id, submitted_at in submissions
                    if any(submitted_at <= placed <= submitted_at + window
                           for placed in orders[live.get(customer_id, customer_id)]))
    return {"submissions": len(submissions), "converted": converted,
            "conversion_rate": round(converted / len(submissions), 4) if submissions else None,
            "window_days": conversion_days}


def _followers(session: Session, period: Period) -> dict:
    def count(column) -> int:
        return session.scalar(sa.select(sa.func.count()).select_from(OaContact).where(
            column >= period.start, column < period.end))

    follows, unfollows = count(OaContact.followed_at), count(OaContact.unfollowed_at)
    return {"follows": follows, "unfollows": unfollows, "net": follows - unfollows}
