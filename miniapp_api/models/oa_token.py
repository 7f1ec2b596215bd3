"""The OA's OAuth token pair (encrypted) and pending OAuth connect attempts."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class OaToken(db.Model):
    """The current access/refresh pair for one OA, Fernet-encrypted.

    `version` grows with every new pair; a refresh is claimed by a
    compare-and-set on it (`refresh_lease_until`), so exactly one process spends
    the single-use refresh token and the others wait for the new version.
    """

    __tablename__ = "oa_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    oa_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    access_token_enc: Mapped[str] = mapped_column(sa.Text)
    refresh_token_enc: Mapped[str] = mapped_column(sa.Text)
    access_expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    refresh_expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)
    refresh_lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    refresh_leased_by: Mapped[str | None] = mapped_column(sa.String(64))
    last_refresh_error: Mapped[str | None] = mapped_column(sa.String(500))
    source: Mapped[str] = mapped_column(sa.String(16))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OauthAttempt(db.Model):
    """A started OAuth connect: the `state` we sent and the PKCE verifier (encrypted), single use."""

    __tablename__ = "oauth_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(64), unique=True)
    code_verifier_enc: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
