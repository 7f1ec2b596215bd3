"""ZNS: the OA's template messages as synced from Zalo, and template messages waiting to go or gone by phone."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .queue import QueueMixin
from .types import JSONType, UTCDateTime, utcnow

# Where a ZNS message is, as far as we know: queued → sent (Zalo accepted it) → received (the customer's phone
# confirmed, `user_received_message`); failed when Zalo refused it for good.
QUEUED, SENT, RECEIVED, FAILED = "queued", "sent", "received", "failed"


class ZnsTemplate(db.Model):
    """One template of the OA as Zalo last described it (`/template/info/v2`).

    `params` keeps Zalo's `listParams` as given (name, require, type, maxLength,
    minLength, acceptNull) so a send is checked against exactly what Zalo checks.
    """

    __tablename__ = "zns_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[str] = mapped_column(sa.String(32))  # ENABLE, PENDING_REVIEW, REJECT, DISABLE, DELETE
    tag: Mapped[str | None] = mapped_column(sa.String(32))
    quality: Mapped[str | None] = mapped_column(sa.String(16))
    price: Mapped[str | None] = mapped_column(sa.String(16))
    preview_url: Mapped[str | None] = mapped_column(sa.String(500))
    params: Mapped[list] = mapped_column(JSONType, default=list)
    synced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ZnsMessage(QueueMixin, db.Model):
    """One template message to one phone, written in the transaction that decided it, sent by the worker.

    `tracking_id` is ours, unique, sent to Zalo and echoed in the delivery
    event (`user_received_message` with `message.tracking_id`), which is how a
    receipt finds its row. `phone` is in Zalo's `84…` form.
    """

    __tablename__ = "zns_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_id: Mapped[str] = mapped_column(sa.String(48), unique=True)
    template_id: Mapped[str] = mapped_column(sa.String(32))
    phone: Mapped[str] = mapped_column(sa.String(20))
    template_data: Mapped[dict] = mapped_column(JSONType, default=dict)
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_order.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    reason: Mapped[str] = mapped_column(sa.String(32))  # order_status, staff
    delivery_state: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    zalo_msg_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
