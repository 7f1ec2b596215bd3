"""ZNS delivery receipts: `user_received_message` carrying our `tracking_id` marks the template message received.

Zalo posts the receipt to the OA webhook like any other event (header
`X-ZEvent-Server: ZNS`, `recipient.id` the phone, `message.delivery_time` the
moment the phone got it). The `tracking_id` we sent finds the row; a receipt
for a tracking id we never issued is ignored. Applying one twice changes
nothing more.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import ZnsMessage
from ...models.zns import RECEIVED
from ...zalo.timestamps import zalo_moment


def is_zns_receipt(payload: dict) -> bool:
    message = payload.get("message")
    return payload.get("event_name") == "user_received_message" and isinstance(message, dict) \
        and bool(message.get("tracking_id"))


def record_receipt(session: Session, payload: dict, when: dt.datetime) -> bool:
    """Mark the message received in the caller's transaction; False when no row of ours has that tracking id."""
    message = payload["message"]
    row = session.scalar(sa.select(ZnsMessage).where(ZnsMessage.tracking_id == str(message["tracking_id"])[:48]))
    if row is None:
        return False
    row.zalo_msg_id = row.zalo_msg_id or (str(message.get("msg_id") or "") or None)
    if row.delivery_state != RECEIVED:
        row.delivery_state, row.received_at = RECEIVED, zalo_moment(message.get("delivery_time"), when)
    return True
