"""What Zalo last said about one user's messaging window (`POST /v3.0/oa/quota/message`), kept briefly."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class OaUserQuota(db.Model):
    """Zalo's answer for one OA user, shared by web and worker processes through the database.

    `last_interaction_at` is Zalo's own `last_interaction` (None: Zalo knows no
    interaction); `cs_remain`/`cs_total` are the free 48 h replies left (None:
    Zalo did not say). `checked_at` is when Zalo answered: the answer is trusted
    for `OA_QUOTA_CACHE_SECONDS` and never across a newer interaction we saw.
    Sends that come back with a `reply` quota update `cs_remain` in place.
    """

    __tablename__ = "oa_user_quota"

    id: Mapped[int] = mapped_column(primary_key=True)
    oa_user_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    last_interaction_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cs_remain: Mapped[int | None]
    cs_total: Mapped[int | None]
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
