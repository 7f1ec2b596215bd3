"""The worker's `journey-steps` job: find the moments that enter customers, then run the steps that are due.

Each due enrollment runs in one transaction that starts with a conditional update of the enrollment (same step,
same due time): of two workers, one wins and the other skips it; a worker killed mid-way leaves the
transaction undone and the step still due. Steps run back to back until one waits, exits or ends the journey,
so a send, the step pointer and the timeline row commit together: a step runs once.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import Conversation, Customer, Journey, JourneyEnrollment
from ...models.conversation import OPEN
from ...models.journey import E_ACTIVE, E_COMPLETED, E_EXITED, J_ACTIVE
from . import steps, triggers
from .definitions import DATE, SILENT

BATCH = 200
SCAN_LIMIT = 1000
CATCH_UP_DAYS = 7  # a date trigger still enters customers on days the worker was down, a week back at most
CHUNK = 5000


def run_due(session: Session, config: Mapping) -> int:
    """Enter customers whose silence or date has come, then run due steps; returns enrollments moved."""
    now = clock.now()
    journeys = session.scalars(sa.select(Journey).where(Journey.status == J_ACTIVE)).all()
    for journey in journeys:
        kind = journey.trigger.get("kind")
        if kind == SILENT:
            enter_silent(session, journey, now)
        elif kind == DATE:
            enter_dated(session, journey, now)
        session.commit()
    due = session.scalars(sa.select(JourneyEnrollment.id).join(Journey, Journey.id == JourneyEnrollment.journey_id)
                          .where(JourneyEnrollment.status == E_ACTIVE, JourneyEnrollment.due_at <= now,
                                 Journey.status == J_ACTIVE)
                          .order_by(JourneyEnrollment.due_at, JourneyEnrollment.id).limit(BATCH)).all()
    session.commit()
    return sum(advance(session, config, enrollment_id, now) for enrollment_id in due)


def advance(session: Session, config: Mapping, enrollment_id: int, now: dt.datetime) -> int:
    """Run the enrollment's due steps in one transaction; 0 if another worker had it."""
    try:
        enrollment = session.get(JourneyEnrollment, enrollment_id)
        taken = session.execute(sa.update(JourneyEnrollment).where(
            JourneyEnrollment.id == enrollment_id, JourneyEnrollment.status == E_ACTIVE,
            JourneyEnrollment.step == enrollment.step, JourneyEnrollment.due_at == enrollment.due_at)
            .values(due_at=now).execution_options(synchronize_session=False)).rowcount
        if taken != 1:
            session.rollback()
            return 0
        session.refresh(enrollment)
        _walk(session, config, enrollment, now)
        session.commit()
        return 1
    except Exception:
        session.rollback()
        raise


def _walk(session: Session, config: Mapping, enrollment: JourneyEnrollment, now: dt.datetime) -> None:
    journey = session.get(Journey, enrollment.journey_id)
    customer = session.get(Customer, enrollment.customer_id)
    if customer.erased_at is not None or customer.merged_into_id is not None:
        return _stop(enrollment, triggers.ERASED if customer.erased_at else triggers.MERGED, now)
    while enrollment.step < len(journey.steps):
        after = steps.run(session, config, enrollment, customer, journey.steps[enrollment.step], now)
        if after.exit:
            return _stop(enrollment, after.exit, now)
        if not after.again:
            enrollment.step += 1
        if after.at is not None:
            enrollment.due_at = after.at
            return None
    enrollment.status, enrollment.ended_at, enrollment.due_at = E_COMPLETED, now, None
    return None


def _stop(enrollment: JourneyEnrollment, reason: str, now: dt.datetime) -> None:
    enrollment.status, enrollment.exit_reason, enrollment.ended_at, enrollment.due_at = E_EXITED, reason, now, None


def enter_silent(session: Session, journey: Journey, now: dt.datetime) -> int:
    """Customers whose open conversation has had our answer last and no word from them for `days`; with re-entry,
    once per silence (an enrollment since their last message means this silence entered them already)."""
    last = Conversation.last_customer_message_at
    enrolled = [JourneyEnrollment.journey_id == journey.id, JourneyEnrollment.customer_id == Conversation.customer_id]
    if journey.reentry:
        enrolled.append(JourneyEnrollment.entered_at > last)
    rows = session.execute(sa.select(Conversation.customer_id, Conversation.id, last)
                           .where(Conversation.status == OPEN, Conversation.awaiting_reply_since.is_(None),
                                  last <= now - dt.timedelta(days=journey.trigger["days"]),
                                  ~sa.exists().where(*enrolled))
                           .order_by(last).limit(SCAN_LIMIT)).all()
    return sum(triggers.enter(session, journey, customer_id, f"{conversation_id}:{since.isoformat()}",
                              {"trigger": SILENT, "conversation": conversation_id})
               for customer_id, conversation_id, since in rows)


DATE_FORMATS = (re.compile(r"^(\d{4})-(\d{2})-(\d{2})"), re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"))


def parse_date(value) -> dt.date | None:
    """A profile date as shops type it: 2026-12-05 (ISO, a time after it ignored) or 05/12/2026 (Vietnamese)."""
    if not isinstance(value, str):
        return None
    try:
        if found := DATE_FORMATS[0].match(value):
            return dt.date(*(int(part) for part in found.groups()))
        if found := DATE_FORMATS[1].match(value.strip()):
            day, month, year = (int(part) for part in found.groups())
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


def enter_dated(session: Session, journey: Journey, now: dt.datetime) -> int:
    """Once a Vietnam day: customers whose profile date, moved by `offset_days`, falls on a day since the last look."""
    today = now.astimezone(clock.LOCAL_TZ).date()
    last = dt.date.fromisoformat(journey.scanned_on) if journey.scanned_on else today - dt.timedelta(days=1)
    if last >= today:
        return 0
    days = {today - dt.timedelta(days=back) for back in range(min((today - last).days, CATCH_UP_DAYS))}
    key, offset, yearly = (journey.trigger["field"].removeprefix("attributes."), journey.trigger.get("offset_days", 0),
                           journey.trigger.get("yearly", False))
    entered, after = 0, 0
    while True:
        rows = session.execute(sa.select(Customer.id, Customer.attributes).where(
            Customer.id > after, Customer.erased_at.is_(None), Customer.merged_into_id.is_(None))
            .order_by(Customer.id).limit(CHUNK)).all()
        for customer_id, attributes in rows:
            when = parse_date((attributes or {}).get(key))
            hit = when and _falls_on(when, offset, yearly, days)
            if hit:
                entered += triggers.enter(session, journey, customer_id, hit.isoformat(),
                                          {"trigger": DATE, "field": journey.trigger["field"], "date": hit.isoformat()})
        if len(rows) < CHUNK:
            break
        after = rows[-1][0]
    journey.scanned_on = today.isoformat()
    return entered


def _falls_on(when: dt.date, offset: int, yearly: bool, days: set[dt.date]) -> dt.date | None:
    """The day (of `days`) the trigger fires for a date `when`: `when + offset`, any year if `yearly`."""
    for day in days:
        base = day - dt.timedelta(days=offset)
        if base == when or (yearly and (base.month, base.day) == (when.month, when.day)):
            return base
    return None
