"""One outbox event on its way to one connector."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .queue import QueueMixin, claim_index
from .types import JSONType, UTCDateTime, utcnow


class Delivery(QueueMixin, db.Model):
    """A durable work row: claimed, sent, retried and dead-lettered by `crm_sync`.

    Unique per (connector, outbox event) so a repeated fan-out never queues a
    second copy. `aggregate_id` (the customer ref) orders and coalesces the
    deliveries of one customer. Its id is the idempotency key the remote sees.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        claim_index("delivery"),
        sa.UniqueConstraint("connector_id", "outbox_event_id"),
        sa.Index("ix_delivery_customer_order", "connector_id", "aggregate_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connector_id: Mapped[int] = mapped_column(sa.ForeignKey("connector.id"))
    outbox_event_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox_event.id"))
    aggregate_id: Mapped[str] = mapped_column(sa.String(64))
    event_type: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict] = mapped_column(JSONType)
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
