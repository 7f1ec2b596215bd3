"""CRM connectors as data: where to send, how, what, and how often."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .queue import QueueMixin
from .types import JSONType, UTCDateTime, utcnow


class Connector(db.Model):
    """One configured remote (a ShopOne account, an integrator's webhook endpoint, ...).

    `credentials_encrypted` is a Fernet token (see `crm_sync.credentials`);
    nothing else in the row is secret. `paused_reason` is set when the remote
    refuses our credentials, so the worker stops burning retries until an
    operator fixes them and runs `flask connectors enable`. `failing_since`
    is when its pushes began failing with no success since; a kind that
    disables itself after failing too long (webhook endpoints) sets `enabled`
    off and says why in `disabled_reason` (crm_sync/failing.py).
    """

    __tablename__ = "connector"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    base_url: Mapped[str] = mapped_column(sa.String(500))
    credentials_encrypted: Mapped[str] = mapped_column(sa.Text, default="")
    field_mapping: Mapped[dict] = mapped_column(JSONType, default=dict)
    events: Mapped[list] = mapped_column(JSONType, default=list)
    schedule: Mapped[str] = mapped_column(sa.String(100), default="every 60s")
    batch_size: Mapped[int] = mapped_column(default=50)  # deliveries claimed (and coalesced) per pass
    batch_calls: Mapped[bool] = mapped_column(default=True)  # use the kind's batch endpoint when it has one
    rate_limit_per_second: Mapped[float] = mapped_column(default=10.0)
    connect_timeout: Mapped[float] = mapped_column(default=3.05)
    read_timeout: Mapped[float] = mapped_column(default=10.0)
    pull_orders: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    paused_reason: Mapped[str | None] = mapped_column(sa.String(500))
    retry_schedule: Mapped[str | None] = mapped_column(sa.String(200))  # seconds, comma-separated; None: the app's
    failing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def active(self) -> bool:
        """Enabled and not paused: the worker sends to it."""
        return self.enabled and not self.paused_reason


class SyncRun(db.Model):
    """One pass of the engine over one connector, kept for `flask crm status`.

    `lag_seconds` is the age of the oldest delivery still pending when the run
    ended (0 when nothing waits), the figure an operator watches.
    """

    __tablename__ = "sync_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    connector_id: Mapped[int] = mapped_column(sa.ForeignKey("connector.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # push | pull
    worker: Mapped[str] = mapped_column(sa.String(64))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    dead: Mapped[int] = mapped_column(default=0)
    lag_seconds: Mapped[float | None]
    note: Mapped[str | None] = mapped_column(sa.String(500))


class InitialSync(QueueMixin, db.Model):
    """A connector's first sync of what existed before it (crm_sync/initial_sync.py), a durable work row.

    Its phases run in `phases` order (`link`: the CRM's customers pulled and linked to profiles; `push`: every
    profile queued for the connector; `orders`: order history pulled), one page at a time, each page written with
    the phase's position in one transaction, so a worker that dies repeats at most the page it was on. `tally`
    counts what each phase did (`<phase>.done`, `<phase>.total`, link outcomes), `phase_started_at` gives its rate.
    """

    __tablename__ = "initial_sync"

    id: Mapped[int] = mapped_column(primary_key=True)
    connector_id: Mapped[int] = mapped_column(sa.ForeignKey("connector.id"), index=True)
    phases: Mapped[list] = mapped_column(JSONType)
    phase: Mapped[str] = mapped_column(sa.String(16))
    link_cursor: Mapped[str | None] = mapped_column(sa.String(500))
    push_after_id: Mapped[int] = mapped_column(default=0, server_default="0")
    tally: Mapped[dict] = mapped_column(JSONType, default=dict)
    phase_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_by: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
