"""One outbox event on its way to one connector, and each customer's lane at each connector."""
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
    second copy. `aggregate_id` (the customer ref) groups the deliveries of one
    customer; `(sequence, outbox_event_id)` is their order (the events' own
    order, not the order fan-outs happened to insert them). Its id is the
    idempotency key the remote sees.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        claim_index("delivery"),
        sa.UniqueConstraint("connector_id", "outbox_event_id"),
        sa.Index("ix_delivery_customer_sequence", "connector_id", "aggregate_id", "sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connector_id: Mapped[int] = mapped_column(sa.ForeignKey("connector.id"))
    outbox_event_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox_event.id"))
    aggregate_id: Mapped[str] = mapped_column(sa.String(64))
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    event_type: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict] = mapped_column(JSONType)
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Queued by a connector's initial sync (its push phase counts what of its own is still waiting).
    initial_sync_id: Mapped[int | None] = mapped_column(sa.ForeignKey("initial_sync.id"), index=True)


class DeliveryLane(db.Model):
    """One customer at one connector: the row workers lock to decide what of theirs to send.

    `sent_sequence` is the high-water mark: the sequence of the newest snapshot
    handed to the remote (whatever the answer, since a timed-out call may have
    been applied). A snapshot at or below it is never sent again by another
    delivery, so nothing older can overwrite what the remote may hold.
    """

    __tablename__ = "delivery_lane"

    connector_id: Mapped[int] = mapped_column(sa.ForeignKey("connector.id"), primary_key=True)
    aggregate_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    sent_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    sent_delivery_id: Mapped[int | None] = mapped_column()
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
