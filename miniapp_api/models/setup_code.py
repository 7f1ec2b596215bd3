"""The one-time setup code that lets the first owner account be created from the console."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class SetupCode(db.Model):
    """At most one live row: the hash of the code `flask staff setup-code` printed (the code itself is not kept).

    Stored in the database so every web process and host agrees on it; using it deletes it.
    """

    __tablename__ = "setup_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
