"""Journeys as the staff API shows them (docs/campaigns.md "Journeys")."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..models.journey import ENROLLMENT_STATES, JOURNEY_STATES
from ..models.tags import PIPELINE
from ..services.campaigns.content import PROFILE_FIELDS
from ..services.journeys.definitions import (ASSIGN, CHECKS, CONDITION, DATE, FORM_SUBMITTED, HAS_TAG, NOTIFY,
    ORDER_STATUS_CHANGED, SEND, SILENT, STAGE, STAGE_CHANGED, STEP_TYPES, TAG, TAG_ADDED, TRIGGER_KINDS, WAIT)
from .base import Schema
from .campaigns import IMAGE_URL, NOT_BLANK

NAME = validate.Length(min=1, max=50)
TIME_OF_DAY = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="A time of day like 09:00.")
ATTRIBUTE = validate.Regexp(r"^attributes\.[A-Za-z0-9_\-]{1,64}$", error="A profile attribute: attributes.<key>.")
# What each trigger kind needs (required) and may have (optional) besides `kind`.
TRIGGER_FIELDS = {FORM_SUBMITTED: ((), ("form",)), TAG_ADDED: (("tag",), ()), STAGE_CHANGED: ((), ("to",)),
                  ORDER_STATUS_CHANGED: ((), ("status",)), SILENT: (("days",), ()),
                  DATE: (("field",), ("offset_days", "yearly"))}
STEP_FIELDS = {WAIT: ((), ("days", "hours", "minutes", "until")), CONDITION: (("check",), ("expect", "tag")),
               SEND: (("text",), ("image_url", "zns_template_id", "zns_params")), TAG: (("tag",), ("action",)),
               ASSIGN: ((), ("staff_id",)), STAGE: (("to",), ()), NOTIFY: (("text",), ())}


def _only(data: dict, key: str, table: dict) -> None:
    """Refuse fields the kind does not take and require those it needs, naming the field."""
    required, optional = table[data[key]]
    for name in data:
        if name != key and name not in required + optional:
            raise ma.ValidationError(f"Not used by {key} {data[key]!r}.", name)
    for name in required:
        if name not in data:
            raise ma.ValidationError(f"Required by {key} {data[key]!r}.", name)


class TriggerSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(TRIGGER_KINDS))
    form = fields.String(validate=NAME, metadata={"description": "form_submitted: only this form (its slug)"})
    tag = fields.String(validate=NAME, metadata={"description": "tag_added: this tag"})
    to = fields.String(validate=validate.OneOf(PIPELINE), metadata={"description": "stage_changed: to this stage"})
    status = fields.String(validate=validate.Length(min=1, max=32),
                           metadata={"description": "order_status_changed: to this status"})
    days = fields.Integer(validate=validate.Range(min=1, max=90),
                          metadata={"description": "silent: days without a word after our answer"})
    field = fields.String(validate=ATTRIBUTE, metadata={"description": "date: the profile attribute holding it"})
    offset_days = fields.Integer(validate=validate.Range(min=-365, max=365),
                                 metadata={"description": "date: days after it (negative: before)"})
    yearly = fields.Boolean(metadata={"description": "date: every year on its day (a birthday)"})

    @ma.validates_schema
    def _fits(self, data, **_):
        if "kind" in data:
            _only(data, "kind", TRIGGER_FIELDS)


class StepSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(STEP_TYPES))
    days = fields.Integer(validate=validate.Range(min=0, max=365))
    hours = fields.Integer(validate=validate.Range(min=0, max=23 * 24))
    minutes = fields.Integer(validate=validate.Range(min=0, max=59 * 24))
    until = fields.String(validate=TIME_OF_DAY, metadata={"description": "wait: until this time of day (Vietnam)"})
    check = fields.String(validate=validate.OneOf(CHECKS))
    expect = fields.Boolean(metadata={"description": "condition: go on when the check is this (default true)"})
    text = fields.String(validate=[validate.Length(min=1, max=2000), NOT_BLANK],
                         metadata={"description": "send/notify: the text; {ten_khach} or {ten_khach|bạn} is the name"})
    image_url = IMAGE_URL
    zns_template_id = fields.String(validate=validate.Length(min=1, max=32))
    zns_params = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)),
                             values=fields.String(validate=validate.Length(max=200)), validate=validate.Length(max=30),
                             metadata={"description": f"A profile field ({', '.join(sorted(PROFILE_FIELDS))}) "
                                                      "or a literal, per template parameter"})
    tag = fields.String(validate=NAME)
    action = fields.String(validate=validate.OneOf(("add", "remove")))
    staff_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1),
                              metadata={"description": "assign: this person; none: round-robin among agents"})
    to = fields.String(validate=validate.OneOf(PIPELINE))

    @ma.validates_schema
    def _fits(self, data, **_):
        if "type" not in data:
            return
        _only(data, "type", STEP_FIELDS)
        if data["type"] == WAIT and ("until" in data) == any(k in data for k in ("days", "hours", "minutes")):
            raise ma.ValidationError("A wait is a duration (days, hours, minutes) or `until` a time, one of them.",
                                     "until")
        if data["type"] == WAIT and "until" not in data and not any(data.get(k) for k in ("days", "hours", "minutes")):
            raise ma.ValidationError("A wait must last some time.", "days")
        if data["type"] == CONDITION and data.get("check") == HAS_TAG and "tag" not in data:
            raise ma.ValidationError("has_tag needs a tag.", "tag")
        if data.get("zns_params") and not data.get("zns_template_id"):
            raise ma.ValidationError("zns_params need a zns_template_id.", "zns_template_id")


class JourneyFields(Schema):
    name = fields.String(validate=[validate.Length(min=1, max=100), NOT_BLANK])
    trigger = fields.Nested(TriggerSchema)
    steps = fields.List(fields.Nested(StepSchema), validate=validate.Length(min=1, max=30))
    exit_on_reply = fields.Boolean(metadata={"description": "Leave when the customer writes to the OA (default true)"})
    exit_on_order = fields.Boolean(metadata={"description": "Leave when an order of theirs arrives (default false)"})
    reentry = fields.Boolean(metadata={"description": "Enter again on a later trigger, once out (default false)"})


class JourneyCreate(JourneyFields):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=100), NOT_BLANK])
    trigger = fields.Nested(TriggerSchema, required=True)
    steps = fields.List(fields.Nested(StepSchema), required=True, validate=validate.Length(min=1, max=30))


class StepCount(Schema):
    step = fields.Integer()
    type = fields.String()
    waiting = fields.Integer(metadata={"description": "Customers whose next step this is"})
    outcomes = fields.Dict(keys=fields.String(), values=fields.Integer(),
                           metadata={"description": "How this step's runs ended (sent by cs/zns, skipped, …)"})


class JourneySchema(JourneyFields):
    id = fields.Integer()
    status = fields.String(validate=validate.OneOf(JOURNEY_STATES))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class JourneyDetail(JourneySchema):
    entered = fields.Integer(metadata={"description": "Enrollments, all time"})
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    exits = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "Exit reason → count"})
    per_step = fields.List(fields.Nested(StepCount))


class EnrollmentQuery(Schema):
    status = fields.String(validate=validate.OneOf(ENROLLMENT_STATES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    after = fields.Integer(validate=validate.Range(min=0, max=2**31 - 1), metadata={"description": "Last id seen"})


class StepRunSchema(Schema):
    step = fields.Integer()
    kind = fields.String()
    outcome = fields.String()
    detail = fields.String(allow_none=True)
    at = fields.DateTime()


class EnrollmentSchema(Schema):
    id = fields.Integer()
    journey_id = fields.Integer()
    journey_name = fields.String()
    customer_ref = fields.String()
    customer_name = fields.String(allow_none=True)
    status = fields.String()
    step = fields.Integer()
    due_at = fields.DateTime(allow_none=True)
    entered_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    exit_reason = fields.String(allow_none=True)
    runs = fields.List(fields.Nested(StepRunSchema))
