"""Calls to the OA API waiting to be made: messages to customers and profile look-ups."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .queue import QueueMixin
from .types import JSONType, UTCDateTime, utcnow

SEND_MESSAGE = "send_message"
SEND_PROMOTION = "send_promotion"  # /v3.0/oa/message/promotion: a follower, once a day, 06:00–21:59
SENDS = (SEND_MESSAGE, SEND_PROMOTION)
USER_DETAIL = "user_detail"
TAG_ADD = "tag_add"          # /v2.0/oa/tag/tagfollower, payload {"tag_name"}
TAG_REMOVE = "tag_remove"    # /v2.0/oa/tag/rmfollowerfromtag, payload {"tag_name"}
TAG_KINDS = (TAG_ADD, TAG_REMOVE)


class OaOutbound(QueueMixin, db.Model):
    """One OA API call, written in the transaction that decided it, made by the worker.

    For `send_message`, `payload` is the `message` object of `/v3.0/oa/message/cs`
    and `message_id` the conversation message it delivers; `dedupe_key` keeps
    one look-up per user for `user_detail`; tag calls carry `{"tag_name"}`.

    `send_started_at` is written and committed just before a message is handed
    to Zalo and cleared when Zalo's answer says it was not sent; on a row not yet
    done it means "Zalo may have it": the next attempt asks Zalo's conversation
    first instead of sending again (`services/oa/recovery.py`).
    `zalo_quota` keeps the `quota` Zalo returned with an accepted send (which
    free or package quota paid for it; none for a billed message).
    """

    __tablename__ = "oa_outbound"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    oa_user_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("message.id"), index=True)
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)
    reason: Mapped[str] = mapped_column(sa.String(64))
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(160), unique=True)
    zalo_message_id: Mapped[str | None] = mapped_column(sa.String(64))
    send_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    zalo_quota: Mapped[dict | None] = mapped_column(JSONType)  # `data.quota` of Zalo's answer to a send
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
