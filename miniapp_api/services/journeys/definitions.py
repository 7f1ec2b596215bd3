"""What a journey may be made of: its trigger kinds and step types, checked against the shop's data.

The API's schema checks shapes (schemas/journeys.py); this checks what only the database knows (the tag, form,
staff member or pipeline stage named exists) and what the worker relies on. Kept in one place so the API, the
CLI and the console offer the same vocabulary.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Form, StaffUser, Tag

# Triggers: the event a customer does (entered as it happens, in the same transaction) or a moment the worker
# finds (silence, a date on the profile).
FORM_SUBMITTED, TAG_ADDED, STAGE_CHANGED, ORDER_STATUS_CHANGED = (
    "form_submitted", "tag_added", "stage_changed", "order_status_changed")
SILENT, DATE = "silent", "date"
TRIGGER_KINDS = (FORM_SUBMITTED, TAG_ADDED, STAGE_CHANGED, ORDER_STATUS_CHANGED, SILENT, DATE)

# Steps, run in order; a condition that does not hold ends the customer's journey ("condition_not_met").
WAIT, CONDITION, SEND, TAG, ASSIGN, STAGE, NOTIFY = "wait", "condition", "send", "tag", "assign", "stage", "notify"
STEP_TYPES = (WAIT, CONDITION, SEND, TAG, ASSIGN, STAGE, NOTIFY)
# Conditions: ordered since the customer entered; has a tag; their OA window is open (free) now.
ORDERED, HAS_TAG, WINDOW_OPEN = "ordered_since_entry", "has_tag", "window_open"
CHECKS = (ORDERED, HAS_TAG, WINDOW_OPEN)


class JourneyError(Exception):
    """The journey cannot be so, or cannot do this now; `code` is stable, the message says which part."""

    def __init__(self, message: str, code: str, field: str | None = None):
        super().__init__(message)
        self.code, self.field = code, field


def check(session: Session, trigger: dict, steps: list[dict]) -> None:
    """Refuse names the shop does not have: a tag, a form, a staff member."""
    if trigger.get("tag"):
        _tag(session, trigger["tag"], "trigger.tag")
    if trigger.get("form") and session.scalar(sa.select(Form.id).where(Form.slug == trigger["form"])) is None:
        raise JourneyError(f"No form {trigger['form']!r}.", "unknown_form", "trigger.form")
    for index, step in enumerate(steps):
        if step.get("tag"):
            _tag(session, step["tag"], f"steps.{index}.tag")
        staff_id = step.get("staff_id")
        if staff_id is not None:
            staff = session.get(StaffUser, staff_id)
            if staff is None or not staff.active:
                raise JourneyError(f"No active staff member {staff_id}.", "unknown_staff", f"steps.{index}.staff_id")


def _tag(session: Session, name: str, field: str) -> None:
    if session.scalar(sa.select(Tag.id).where(Tag.name == name)) is None:
        raise JourneyError(f"No tag named {name!r}; create it first.", "unknown_tag", field)
