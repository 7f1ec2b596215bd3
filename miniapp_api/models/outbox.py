"""Domain events waiting to be delivered (to CRMs, integrators, ...)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .queue import QueueMixin
from .types import JSONType, UTCDateTime, utcnow


class OutboxEvent(QueueMixin, db.Model):
    """One thing that happened, written in the same transaction as the change.

    `aggregate_id` is the public ref of the record the event is about (for a
    customer, its `ref`), so consumers can order and coalesce per record;
    `sequence` is the event's position among that record's events in commit
    order (the customer's `version`; 0 for records without a version row).
    """

    __tablename__ = "outbox_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(sa.String(64), index=True)
    aggregate_type: Mapped[str] = mapped_column(sa.String(32))
    aggregate_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    payload: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
