"""Tags on customers and the pipeline history of each customer."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

PIPELINE = ("new", "contacted", "qualified", "customer", "vip", "lost")


class Tag(db.Model):
    """A label staff put on customers; mirrored to the OA's own tags."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CustomerTag(db.Model):
    __tablename__ = "customer_tag"

    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(sa.ForeignKey("tag.id"), primary_key=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PipelineChange(db.Model):
    """A move of a customer along new → contacted → qualified → customer → VIP / lost."""

    __tablename__ = "pipeline_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
