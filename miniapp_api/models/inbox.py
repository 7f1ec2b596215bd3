"""The OA webhook inbox: every event Zalo delivered, exactly once, as received; and its ingest store."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .queue import QueueMixin
from .types import UTCDateTime, utcnow


class WebhookEvent(QueueMixin, db.Model):
    """An append-only row per distinct event; the worker processes it through the shared queue.

    `dedupe_key` is unique, so a resend of the same event stores nothing new.
    `raw_body` keeps the exact bytes Zalo signed, for audit and replay.
    """

    __tablename__ = "webhook_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(160), unique=True)
    event_name: Mapped[str] = mapped_column(sa.String(64), index=True)
    user_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    raw_body: Mapped[str] = mapped_column(sa.Text)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookIngest(db.Model):
    """An event the webhook accepted and the worker has not yet moved into `webhook_event`.

    The webhook's only write. It lives in its own store (`ingest_store`): on
    SQLite a separate database file, so answering Zalo never waits for the
    worker's or the forms' write transactions. The worker copies rows into
    `webhook_event` (where `dedupe_key` decides) and then deletes them here.
    """

    __tablename__ = "webhook_ingest"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(160), unique=True)
    event_name: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[str | None] = mapped_column(sa.String(64))
    raw_body: Mapped[str] = mapped_column(sa.Text)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
