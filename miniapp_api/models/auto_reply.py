"""Automatic reply rules, as data the shop edits (CLI now, staff API later)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

MATCH_TYPES = ("contains", "exact", "regex")


class AutoReplyRule(db.Model):
    """When a customer's text matches `pattern`, reply (text, form link, info-request card) and/or hand over.

    Rules are tried by ascending `priority`; the first that fires wins.
    `business_hours` (e.g. `mon-sat 08:00-21:00`, Asia/Ho_Chi_Minh) limits a
    rule to opening hours; outside them it answers `out_of_hours_text`
    instead, or steps aside for the next rule when that is empty.
    """

    __tablename__ = "auto_reply_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    match_type: Mapped[str] = mapped_column(sa.String(16))
    pattern: Mapped[str] = mapped_column(sa.String(500))
    priority: Mapped[int] = mapped_column(default=100)
    reply_text: Mapped[str | None] = mapped_column(sa.Text)
    send_form_link: Mapped[bool] = mapped_column(default=False)
    # Also send Zalo's request_user_info card (services/oa/cards.py); the answer lands on the profile.
    send_info_request: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    handover: Mapped[bool] = mapped_column(default=False)
    business_hours: Mapped[str | None] = mapped_column(sa.String(100))
    out_of_hours_text: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
