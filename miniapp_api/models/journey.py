"""Journeys: automatic follow-ups that a customer's own actions start (docs/campaigns.md "Journeys").

A `Journey` is a trigger and an ordered list of steps. A customer the trigger fires for gets one
`JourneyEnrollment` row, unique per (journey, customer, occurrence): `occurrence` is empty unless the journey
allows re-entry, then it names the trigger's own occurrence (the submission, the order's new status, the
silence since a given message), so the same webhook five times still enters once. The enrollment says which
step runs next and when; the worker runs due steps one transaction each. Every step run leaves a
`JourneyStepRun` row: the customer's timeline, the journey's per-step counts, and (for sends) the frequency
cap's memory.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import JSONType, UTCDateTime, utcnow

# Journey states: draft (being built) → active (triggers enter customers) ⇄ paused (nobody enters, nobody moves)
# → archived (finished with: nobody enters; those inside leave).
J_DRAFT, J_ACTIVE, J_PAUSED, J_ARCHIVED = "draft", "active", "paused", "archived"
JOURNEY_STATES = (J_DRAFT, J_ACTIVE, J_PAUSED, J_ARCHIVED)

# Enrollment states: active (a step is due at `due_at`) → completed (ran every step) or exited (`exit_reason`).
E_ACTIVE, E_COMPLETED, E_EXITED = "active", "completed", "exited"
ENROLLMENT_STATES = (E_ACTIVE, E_COMPLETED, E_EXITED)


class Journey(db.Model):
    __tablename__ = "journey"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(16), default=J_DRAFT)
    # {"kind": "form_submitted", "form": "dang-ky"} and the other kinds in services.journeys.triggers
    trigger: Mapped[dict] = mapped_column(JSONType)
    # [{"type": "wait", "days": 3}, {"type": "condition", "check": "ordered", "expect": false}, {"type": "send", ...}]
    steps: Mapped[list] = mapped_column(JSONType)
    exit_on_reply: Mapped[bool] = mapped_column(default=True)
    exit_on_order: Mapped[bool] = mapped_column(default=False)
    reentry: Mapped[bool] = mapped_column(default=False)
    # The last Vietnam day the date trigger looked for customers (it looks once a day).
    scanned_on: Mapped[str | None] = mapped_column(sa.String(10))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JourneyEnrollment(db.Model):
    __tablename__ = "journey_enrollment"
    __table_args__ = (sa.UniqueConstraint("journey_id", "customer_id", "occurrence"),
                      sa.Index("ix_journey_enrollment_due", "status", "due_at"),
                      sa.Index("ix_journey_enrollment_customer", "customer_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(sa.ForeignKey("journey.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"))
    occurrence: Mapped[str] = mapped_column(sa.String(80), default="")
    status: Mapped[str] = mapped_column(sa.String(16), default=E_ACTIVE)
    # The index of the next step to run, and when.
    step: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # What entered the customer ({"trigger": "form_submitted", "submission": "sub_…"}): ids, nothing personal.
    context: Mapped[dict] = mapped_column(JSONType, default=dict)
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    exit_reason: Mapped[str | None] = mapped_column(sa.String(32))


class JourneyStepRun(db.Model):
    __tablename__ = "journey_step_run"
    __table_args__ = (sa.Index("ix_journey_step_run_enrollment", "enrollment_id", "id"),
                      sa.Index("ix_journey_step_run_customer_sent", "customer_id", "kind", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(sa.ForeignKey("journey_enrollment.id", ondelete="CASCADE"))
    journey_id: Mapped[int] = mapped_column(sa.ForeignKey("journey.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"))
    step: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(16))
    # What happened: "waited", "passed", "cs"/"zns" (sent by), "skipped", "tagged", "assigned", …
    outcome: Mapped[str] = mapped_column(sa.String(32))
    # Why, for a skip or a failed condition (a policy reason, "no_conversation"); never personal data.
    detail: Mapped[str | None] = mapped_column(sa.String(64))
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("message.id"))
    zns_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zns_message.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
