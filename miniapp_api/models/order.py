"""Orders that came back from a CRM/POS, linked to our customers."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import JSONType, UTCDateTime, utcnow


class Order(db.Model):
    """The latest known state of one order, unique per (connector, external id)."""

    __tablename__ = "crm_order"
    __table_args__ = (sa.UniqueConstraint("connector_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connector_id: Mapped[int] = mapped_column(sa.ForeignKey("connector.id"))
    external_id: Mapped[str] = mapped_column(sa.String(100))
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(32))
    total_vnd: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    items: Mapped[list] = mapped_column(JSONType, default=list)
    raw: Mapped[dict] = mapped_column(JSONType, default=dict)
    remote_updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    history: Mapped[list["OrderStatusChange"]] = relationship(
        back_populates="order", order_by="OrderStatusChange.id")


class OrderStatusChange(db.Model):
    """Append-only: an order moved from one status to another (from nothing when first seen)."""

    __tablename__ = "order_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_order.id"), index=True)
    old_status: Mapped[str | None] = mapped_column(sa.String(32))
    new_status: Mapped[str] = mapped_column(sa.String(32))
    source: Mapped[str] = mapped_column(sa.String(16))  # pull | webhook | api (an integrator's key)
    remote_updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship(back_populates="history")


class OrderCursor(db.Model):
    """Where the order pull of one connector stopped: the (updated_at, id) of the last order taken.

    Both halves are kept because several orders can share one `updated_at`;
    resuming from the timestamp alone would skip or repeat them.
    """

    __tablename__ = "order_cursor"

    connector_id: Mapped[int] = mapped_column(sa.ForeignKey("connector.id"), primary_key=True)
    last_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_external_id: Mapped[str | None] = mapped_column(sa.String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
