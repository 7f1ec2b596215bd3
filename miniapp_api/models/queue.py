"""Columns every durable work table shares (outbox, inbox, deliveries, messages).

One mechanism for every side effect (DESIGN.md): a row is `pending` until a
worker claims it with a lease, then `done`, back to `pending` with a later
`available_at` after a failure, or `dead` after the last attempt. The claim,
retry and replay logic lives once in `miniapp_api.queue` and works on any model
that mixes this in.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .types import UTCDateTime, utcnow

PENDING = "pending"
PROCESSING = "processing"
DONE = "done"
DEAD = "dead"
IGNORED = "ignored"
QUEUE_STATUSES = (PENDING, PROCESSING, DONE, DEAD, IGNORED)


def claim_index(tablename: str) -> sa.Index:
    """The index every claim query walks: due rows by status and time."""
    return sa.Index(f"ix_{tablename}_claim", "status", "available_at")


class QueueMixin:
    """Status, attempts, lease and error columns of a durable work row."""

    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING, server_default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    available_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    leased_by: Mapped[str | None] = mapped_column(sa.String(64))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    @declared_attr.directive
    def __table_args__(cls):
        return (claim_index(cls.__tablename__),)
