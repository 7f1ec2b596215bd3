"""Campaigns: one message to an audience, frozen as a recipient list, sent through the durable queues.

A campaign's audience (a saved segment, or tags) is evaluated once, when it is planned, into one
`CampaignRecipient` row per customer, unique per (campaign, customer): that row is what makes a send happen at
most once, however many workers run and however often one is killed. Each row carries the channel the policy
chose (`services.campaigns.policy`) or why the customer is skipped, and, once queued, the message or ZNS row
that carries it, from which delivery, reading, clicks, replies and orders are measured.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import JSONType, UTCDateTime, utcnow

# Campaign states: draft → planned → running ⇄ paused → finished; cancelled from any state before finished.
# `scheduled`: planned, and starts by itself at `scheduled_at`.
DRAFT, PLANNED, SCHEDULED, RUNNING, PAUSED, FINISHED, CANCELLED = (
    "draft", "planned", "scheduled", "running", "paused", "finished", "cancelled")
CAMPAIGN_STATES = (DRAFT, PLANNED, SCHEDULED, RUNNING, PAUSED, FINISHED, CANCELLED)

# Recipient states: pending (to send) → queued (handed to the OA or ZNS queue); skipped (with `reason`, never
# sent); cancelled (the campaign was cancelled first).
PENDING, QUEUED, SKIPPED, RECIPIENT_CANCELLED = "pending", "queued", "skipped", "cancelled"
# Channels: a consultation message in the open window, a promotion message to a follower, a ZNS template by
# phone, or none (skipped).
CS, PROMOTION, ZNS = "cs", "promotion", "zns"


class Campaign(db.Model):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(16), default=DRAFT)
    # {"segment_id": 3} or {"tags": ["vip", "khach-si"]}
    audience: Mapped[dict] = mapped_column(JSONType, default=dict)
    # The text, with {ten_khach}-style variables (services.campaigns.content); a link is tracked (/r/<code>).
    text: Mapped[str] = mapped_column(sa.Text)
    link_url: Mapped[str | None] = mapped_column(sa.String(500))
    # An image (by its public https URL) sent with the text as its caption, in the consultation message.
    image_url: Mapped[str | None] = mapped_column(sa.String(500))
    # The ZNS fallback: template and its parameters, each a profile field ("customer.full_name") or a literal.
    zns_template_id: Mapped[str | None] = mapped_column(sa.String(32))
    zns_params: Mapped[dict] = mapped_column(JSONType, default=dict)
    # Whether followers outside their window may get Zalo's per-user promotion message (docs/campaigns.md).
    use_promotion: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    rate_per_minute: Mapped[int] = mapped_column(default=60)
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    planned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The send job's pace: the next send is not before this instant (rate_per_minute apart).
    next_send_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CampaignRecipient(db.Model):
    __tablename__ = "campaign_recipient"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "customer_id"),
                      sa.Index("ix_campaign_recipient_work", "campaign_id", "status", "id"),
                      sa.Index("ix_campaign_recipient_customer_queued", "customer_id", "queued_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"))
    channel: Mapped[str | None] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    reason: Mapped[str | None] = mapped_column(sa.String(32))
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("message.id"))
    zns_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zns_message.id"))
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Replies and orders until then count for this send (CAMPAIGN_ATTRIBUTION_DAYS, fixed when it was queued).
    attributed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    clicked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
