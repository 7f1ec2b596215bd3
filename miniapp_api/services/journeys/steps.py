"""Running one step of one customer's journey, and recording what it did on their timeline.

Each step answers with what the enrollment does next: go on to the next step now, wait until a moment, or exit.
A send goes through the campaigns' channel policy (consent, unfollowed, frequency cap, window, ZNS by phone) and
waits out quiet hours; actions on tags, the pipeline and the inbox reuse the staff API's own functions, so a
journey does nothing a person could not.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import Conversation, Customer, JourneyEnrollment, JourneyStepRun, Order, StaffUser, Tag
from ...models.conversation import OPEN, OUTBOUND
from ..business_hours import window_end
from ..campaigns import content, policy
from ..campaigns.dispatch import dispatch
from ..customers.staff_edits import move_pipeline, set_tag, tag_names
from ..inbox.assignment import Roster, assign
from ..oa.conversations import add_message
from ..oa.window import FREE, window_state
from .definitions import ASSIGN, CONDITION, HAS_TAG, NOTIFY, ORDERED, SEND, STAGE, TAG, WAIT, WINDOW_OPEN

REASON = "journey"


@dataclasses.dataclass(frozen=True)
class Next:
    """What the enrollment does after a step: `at` None means go on now; `exit` ends it with that reason."""

    at: dt.datetime | None = None
    exit: str | None = None
    again: bool = False  # run this same step again at `at` (a send held by quiet hours)


def run(session: Session, config: Mapping, enrollment: JourneyEnrollment, customer: Customer, step: dict,
        now: dt.datetime) -> Next:
    kind = step["type"]
    record = _recorder(session, enrollment, kind, now)
    if kind == WAIT:
        until = wait_until(step, now)
        record("waited", until.isoformat(timespec="minutes"))
        return Next(at=until)
    if kind == CONDITION:
        holds = _holds(session, enrollment, customer, step, now) == step.get("expect", True)
        record("passed" if holds else "not_met", step["check"])
        return Next() if holds else Next(exit="condition_not_met")
    if kind == SEND:
        if policy.in_quiet_hours(config["CAMPAIGN_QUIET_HOURS"], now):
            return Next(at=window_end(config["CAMPAIGN_QUIET_HOURS"], now), again=True)
        sent = dispatch(session, config, customer, text=lambda: content.render(step["text"], customer, None),
                        zns_template_id=step.get("zns_template_id"), zns_params=step.get("zns_params") or {},
                        reason=REASON, now=now, image_url=step.get("image_url"))
        record(sent.channel or "skipped", sent.reason, message_id=sent.message_id, zns_message_id=sent.zns_message_id)
        return Next()
    if kind == TAG:
        tag = session.scalar(sa.select(Tag).where(Tag.name == step["tag"]))
        changed = tag is not None and set_tag(session, customer, tag, step.get("action", "add") == "add")
        record("tagged" if changed else "unchanged", None if tag else "unknown_tag")
        return Next()
    if kind == STAGE:
        moved = move_pipeline(session, customer, step["to"], None)
        record("moved" if moved else "unchanged", step["to"])
        return Next()
    conversation = _latest_conversation(session, customer.id)
    if conversation is None:
        record("skipped", "no_conversation")
        return Next()
    if kind == ASSIGN:
        if not step.get("staff_id") and conversation.assignee_id is not None:
            record("unchanged", "already_assigned")  # round-robin hands out waiting conversations, not held ones
            return Next()
        staff = session.get(StaffUser, step["staff_id"]) if step.get("staff_id") else Roster(session).next()
        if staff is None or not staff.active:
            record("skipped", "no_staff")
        else:
            assign(session, conversation, staff, reason="journey")
            record("assigned", f"staff:{staff.id}")
        return Next()
    if kind == NOTIFY:
        note = add_message(session, conversation, direction=OUTBOUND, author="journey", internal=True, type="note",
                           text=content.render(step["text"], customer, None))
        record("noted", None, message_id=note.id)
        return Next()
    raise ValueError(f"unknown step type {kind!r}")  # definitions.STEP_TYPES and this function disagree


def wait_until(step: dict, now: dt.datetime) -> dt.datetime:
    """A duration from now, or the next time of day (Vietnam time) at or after it, such as "09:00"."""
    if step.get("until"):
        hour, minute = (int(part) for part in step["until"].split(":"))
        local = now.astimezone(clock.LOCAL_TZ)
        at = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return (at if at >= local else at + dt.timedelta(days=1)).astimezone(dt.timezone.utc)
    return now + dt.timedelta(days=step.get("days", 0), hours=step.get("hours", 0), minutes=step.get("minutes", 0))


def _holds(session: Session, enrollment: JourneyEnrollment, customer: Customer, step: dict, now: dt.datetime) -> bool:
    check = step["check"]
    if check == ORDERED:
        return session.scalar(sa.select(sa.exists().where(
            Order.customer_id == customer.id, Order.created_at >= enrollment.entered_at))) is True
    if check == HAS_TAG:
        return step["tag"] in tag_names(session, customer.id)
    if check == WINDOW_OPEN:
        conversation = _latest_conversation(session, customer.id, any_status=True)
        last = conversation.contact.last_interaction_at if conversation is not None else None
        return window_state(last, now) == FREE
    raise ValueError(f"unknown condition {check!r}")


def _latest_conversation(session: Session, customer_id: int, *, any_status: bool = False) -> Conversation | None:
    query = sa.select(Conversation).where(Conversation.customer_id == customer_id)
    if not any_status:
        query = query.where(Conversation.status == OPEN)
    return session.scalar(query.order_by(Conversation.id.desc()).limit(1))


def _recorder(session: Session, enrollment: JourneyEnrollment, kind: str, now: dt.datetime):
    def record(outcome: str, detail: str | None, **links) -> None:
        session.add(JourneyStepRun(enrollment_id=enrollment.id, journey_id=enrollment.journey_id,
                                   customer_id=enrollment.customer_id, step=enrollment.step, kind=kind,
                                   outcome=outcome, detail=detail, at=now, **links))
    return record
