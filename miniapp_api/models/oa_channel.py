"""Whether the OA channel can send at all: paused on account-level Zalo errors, with why."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

ACTIVE, PAUSED, PROBING = "active", "paused", "probing"


class OaChannel(db.Model):
    """One row per OA once anything happened to its channel; no row means active.

    `paused`: the worker claims no OA calls (they stay queued). At `probe_at` one
    worker wins a compare-and-set to `probing` (`probe_owner`, `probe_until`) and
    tries a single queued call: an answer that is not a channel error resumes the
    channel, another channel error pauses it again with a longer wait
    (`probe_failures`). `code` is Zalo's error code or an event name, `reason`
    the words staff read.
    """

    __tablename__ = "oa_channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    oa_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=ACTIVE)
    code: Mapped[str | None] = mapped_column(sa.String(32))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    paused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    probe_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    probe_owner: Mapped[str | None] = mapped_column(sa.String(128))
    probe_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    probe_failures: Mapped[int] = mapped_column(default=0)
    resumed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resumed_by: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
