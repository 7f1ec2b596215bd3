"""Starting, pausing, resuming and cancelling a campaign: state moves with their rules, in one place."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import Campaign, CampaignRecipient
from ...models.campaign import CANCELLED, DRAFT, PAUSED, PENDING, PLANNED, RECIPIENT_CANCELLED, RUNNING, SCHEDULED
from .planning import CampaignError

# action → (states it applies to, the state it leads to)
MOVES = {
    "start": ((PLANNED, SCHEDULED), RUNNING),
    "schedule": ((PLANNED, SCHEDULED), SCHEDULED),
    "pause": ((RUNNING, SCHEDULED), PAUSED),
    "resume": ((PAUSED,), RUNNING),
    "cancel": ((DRAFT, PLANNED, SCHEDULED, RUNNING, PAUSED), CANCELLED),
}


def move(session: Session, campaign: Campaign, action: str, scheduled_at: dt.datetime | None = None) -> Campaign:
    allowed, target = MOVES[action]
    if campaign.status not in allowed:
        hint = " Plan it first." if campaign.status == DRAFT else ""
        raise CampaignError(f"A {campaign.status} campaign cannot {action}.{hint}", "bad_state")
    now = clock.now()
    if action == "schedule":
        if scheduled_at is None or scheduled_at <= now:
            raise CampaignError("A schedule is a time in the future.", "bad_schedule")
        campaign.scheduled_at = scheduled_at
    if target == RUNNING:
        campaign.started_at = campaign.started_at or now
        campaign.next_send_at = None  # the pace starts afresh: no catching up on the time it was paused
    if target == CANCELLED:
        session.execute(sa.update(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id,
                                                           CampaignRecipient.status == PENDING)
                        .values(status=RECIPIENT_CANCELLED))
        campaign.finished_at = now
    campaign.status, campaign.updated_at = target, now
    return campaign
