"""The metrics query (a period of local dates) and the report as the staff API shows it."""
from __future__ import annotations

import datetime as dt

import marshmallow as ma
from marshmallow import fields, validate

from .. import clock
from .base import Schema

MAX_DAYS, DEFAULT_DAYS = 366, 7
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


class MetricsQuery(Schema):
    """`from`/`to` are inclusive dates in Asia/Ho_Chi_Minh; `to` defaults to today, `from` to 6 days before it."""

    from_ = fields.Date(data_key="from", validate=validate.Range(min=EARLIEST, max=LATEST),
                        metadata={"description": "First day (YYYY-MM-DD, Asia/Ho_Chi_Minh); default: 6 days before `to`"})
    to = fields.Date(validate=validate.Range(min=EARLIEST, max=LATEST),
                     metadata={"description": "Last day, inclusive; default: today"})

    @ma.post_load
    def period(self, data, **kwargs):
        last = data.get("to") or clock.now().astimezone(clock.LOCAL_TZ).date()
        first = data.get("from_") or last - dt.timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise ma.ValidationError("must not be after `to` (default: today)", "from")
        if (last - first).days >= MAX_DAYS:
            raise ma.ValidationError(f"a period covers at most {MAX_DAYS} days", "from")
        return {"from_": first, "to": last}


class Summary(Schema):
    count = fields.Integer()
    average = fields.Float(allow_none=True)
    median = fields.Float(allow_none=True)
    p90 = fields.Float(allow_none=True)


class AgentMetrics(Schema):
    conversations = fields.Integer(metadata={"description": "Conversations with a response cycle counted for them"})
    cycles = fields.Integer(metadata={"description": "Response cycles started in the period"})
    answered = fields.Integer(metadata={"description": "Cycles a human answered"})
    response_rate = fields.Float(allow_none=True, metadata={"description": "answered / cycles"})
    first_response_seconds = fields.Nested(Summary, metadata={"description": "In business hours when configured"})
    resolved = fields.Integer(metadata={"description": "Conversations closed in the period"})
    resolution_seconds = fields.Nested(Summary, metadata={"description": "Open/reopen → close, wall clock"})
    replies = fields.Integer(metadata={"description": "Human replies sent in the period"})


class AgentRow(AgentMetrics):
    staff_id = fields.Integer(allow_none=True, metadata={"description": "None: Zalo OA console / unassigned"})
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class OverallMetrics(AgentMetrics):
    opened = fields.Integer()
    reopened = fields.Integer()
    closed = fields.Integer()
    waiting = fields.Integer(metadata={"description": "Cycles of the period still waiting in open conversations"})


class DayRow(AgentMetrics):
    date = fields.Date(metadata={"description": "A local day (Asia/Ho_Chi_Minh) of the period, every day listed"})


class FormMetrics(Schema):
    submissions = fields.Integer()
    converted = fields.Integer(metadata={"description": "Followed by an order of the same customer in the window"})
    conversion_rate = fields.Float(allow_none=True)
    window_days = fields.Integer()


class FollowerMetrics(Schema):
    follows = fields.Integer()
    unfollows = fields.Integer()
    net = fields.Integer()


class PeriodSchema(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    timezone = fields.String()
    business_hours = fields.String(allow_none=True)


class MetricsReport(Schema):
    period = fields.Nested(PeriodSchema)
    overall = fields.Nested(OverallMetrics)
    agents = fields.List(fields.Nested(AgentRow))
    days = fields.List(fields.Nested(DayRow), metadata={
        "description": "The overall figures of each day: cycles and first responses by the day the customer "
                       "wrote, resolutions by the day of closing, replies by the day sent"})
    forms = fields.Nested(FormMetrics)
    followers = fields.Nested(FollowerMetrics)
