"""Failed-login counters, shared by every process and host through the database."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class LoginThrottle(db.Model):
    """Failed logins of one client address or one account in the window that started at `window_start`.

    `key` is a SHA-256 of `addr:<address>` or `account:<email>`, so the table holds no personal data.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    failures: Mapped[int]
