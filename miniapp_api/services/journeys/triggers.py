"""Entering customers into journeys when their trigger fires, and letting them out when they reply or order.

`fire` runs inside the transaction of what happened (a form submission, a tag added, a pipeline move, an order's
new status), so an event that is rolled back enters nobody and one that commits cannot lose its enrollment. The
insert is `ON CONFLICT DO NOTHING` on (journey, customer, occurrence): the same webhook five times, or two
workers finding the same silence, enter a customer once. With no active journey for that trigger kind (the
common case) it costs one indexed read.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ... import clock
from ...models import Journey, JourneyEnrollment
from ...models.journey import E_ACTIVE, E_EXITED, J_ACTIVE
from .definitions import DATE, FORM_SUBMITTED, ORDER_STATUS_CHANGED, SILENT, STAGE_CHANGED, TAG_ADDED

# Which field of the trigger's definition must equal which fact of the event (an absent field matches all).
MATCHES = {FORM_SUBMITTED: "form", TAG_ADDED: "tag", STAGE_CHANGED: "to", ORDER_STATUS_CHANGED: "status",
           SILENT: None, DATE: None}
REPLIED, ORDERED, ERASED, MERGED, CONDITION_NOT_MET, ARCHIVED = (
    "replied", "ordered", "erased", "merged", "condition_not_met", "journey_archived")


def fire(session: Session, kind: str, customer_id: int, *, value: str | None = None, occurrence: str = "",
         context: dict | None = None, journeys: list[Journey] | None = None) -> int:
    """Enter the customer into each active journey of this trigger kind whose filter matches `value`.

    `occurrence` names this firing (a submission's ref, an order and its status): it keeps re-entry journeys
    from entering twice for one event. Returns how many journeys the customer entered.
    """
    if journeys is None:
        journeys = session.scalars(sa.select(Journey).where(Journey.status == J_ACTIVE)).all()
    field = MATCHES[kind]
    entered = 0
    for journey in journeys:
        trigger = journey.trigger
        if trigger.get("kind") != kind or (field and trigger.get(field) not in (None, value)):
            continue
        entered += enter(session, journey, customer_id, occurrence, {"trigger": kind, **(context or {})})
    return entered


def enter(session: Session, journey: Journey, customer_id: int, occurrence: str, context: dict) -> int:
    """One enrollment, unless the customer is in this journey already (or was, and re-entry is not allowed)."""
    if journey.reentry:
        inside = session.scalar(sa.select(JourneyEnrollment.id).where(
            JourneyEnrollment.journey_id == journey.id, JourneyEnrollment.customer_id == customer_id,
            JourneyEnrollment.status == E_ACTIVE).limit(1))
        if inside is not None:
            return 0
    else:
        occurrence = ""
    now = clock.now()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = session.execute(dialect.insert(JourneyEnrollment).values(
        journey_id=journey.id, customer_id=customer_id, occurrence=occurrence[:80], status=E_ACTIVE, step=0,
        due_at=now, context=context, entered_at=now).on_conflict_do_nothing(
        index_elements=["journey_id", "customer_id", "occurrence"]))
    return inserted.rowcount


def leave(session: Session, customer_id: int, reason: str, *, since: dt.datetime | None = None) -> int:
    """End the customer's enrollments in journeys that exit on this (a reply, an order) entered before `since`."""
    flag = {REPLIED: Journey.exit_on_reply, ORDERED: Journey.exit_on_order}[reason]
    journeys = sa.select(Journey.id).where(flag.is_(True))
    conditions = [JourneyEnrollment.customer_id == customer_id, JourneyEnrollment.status == E_ACTIVE,
                  JourneyEnrollment.journey_id.in_(journeys)]
    if since is not None:
        conditions.append(JourneyEnrollment.entered_at <= since)
    return end(session, conditions, reason)


def end(session: Session, conditions: list, reason: str) -> int:
    """Exit every active enrollment matching `conditions`, saying why."""
    return session.execute(sa.update(JourneyEnrollment).where(*conditions).values(
        status=E_EXITED, exit_reason=reason, ended_at=clock.now(), due_at=None)
        .execution_options(synchronize_session=False)).rowcount
