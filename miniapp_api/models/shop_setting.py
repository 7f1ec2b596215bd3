"""Shop settings edited in the console: one row per setting that overrides its environment default."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import JSONType, UTCDateTime, utcnow


class ShopSetting(db.Model):
    """`name` is a setting of `services.shop_settings.SETTINGS`; no row: the environment's value applies."""

    __tablename__ = "shop_setting"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[object] = mapped_column(JSONType)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
