"""Sending a running campaign: at its pace, outside quiet hours, each recipient at most once.

The worker's `campaign-sends` job calls `send_due` about once a second. For each running campaign it first
reserves a slice of the pace with a conditional update of `next_send_at` (two workers never both take the
same slice), then hands recipients over one transaction each: the recipient moves `pending → queued` with a
conditional update and, in the same transaction, its message goes into the OA or ZNS queue, which deliver it
exactly once (docs/worker.md). A worker killed between two recipients leaves the rest `pending`; one killed
inside a transaction leaves nothing half done. The policy is applied again with fresh facts at this moment:
a customer who withdrew consent, unfollowed or reached the frequency cap since the plan is skipped.
"""
from __future__ import annotations

import datetime as dt
from typing import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import Campaign, CampaignRecipient, Customer
from ...models.campaign import FINISHED, PENDING, QUEUED, RUNNING, SCHEDULED, SKIPPED
from ..customers.profiles import live
from ...zalo.oa import promotion_message
from . import content, links, policy
from .dispatch import dispatch

# The window no more than the pace may be sent in (and how far back a late slice reaches); the job runs four
# times as often, so a slice the window refused is made a quarter second later, not a second later.
TICK = dt.timedelta(seconds=1)
JOB_SECONDS = 0.25
REASON = "campaign"
MERGED = "merged"


def send_due(session: Session, config: Mapping) -> int:
    """Start scheduled campaigns that are due, then send what each running one may now; returns sends made."""
    now = clock.now()
    live = session.execute(sa.select(Campaign.id, Campaign.status, Campaign.scheduled_at)
                           .where(Campaign.status.in_((SCHEDULED, RUNNING)))).all()
    due = [row.id for row in live if row.status == SCHEDULED and row.scheduled_at <= now]
    if due:
        session.execute(sa.update(Campaign).where(Campaign.id.in_(due), Campaign.status == SCHEDULED)
                        .values(status=RUNNING, started_at=now, updated_at=now))
    session.commit()
    if policy.in_quiet_hours(config["CAMPAIGN_QUIET_HOURS"], now):
        return 0
    running = [row.id for row in live if row.status == RUNNING] + due
    return sum(_send_slice(session, config, campaign_id, now) for campaign_id in running)


def _reserve(session: Session, campaign: Campaign, now: dt.datetime) -> int:
    """How many sends this worker may make now; the pace moves on by as many (0 if another worker took it)."""
    interval = dt.timedelta(minutes=1) / campaign.rate_per_minute
    previous = campaign.next_send_at
    # Never more than one tick's worth at once: a late or resumed job does not catch up in a burst.
    # A campaign that starts or resumes (no pace yet) starts from now: one message, then the pace.
    floor = now - max(TICK - interval, dt.timedelta(0))
    base = max(previous, floor) if previous is not None else now
    if base > now:
        return 0
    # ...and never more than the pace allows, plus 5 % and one, in any window of a tick (or of one interval, when
    # slower): sends are stamped with their tick's time, so the window ending now holds every send a later window
    # could share. The margin keeps the window from fighting the pace over a few milliseconds of scheduling.
    window = max(TICK, interval)
    recent = session.scalar(sa.select(sa.func.count()).where(
        CampaignRecipient.campaign_id == campaign.id, CampaignRecipient.status == QUEUED,
        CampaignRecipient.queued_at > now - window))
    budget = min(int((now - base) / interval) + 1, int(1.05 * (window / interval)) + 1 - recent)
    if budget <= 0:
        return 0
    moved = session.execute(sa.update(Campaign).where(
        Campaign.id == campaign.id,
        Campaign.next_send_at.is_(None) if previous is None else Campaign.next_send_at == previous)
        .values(next_send_at=base + budget * interval)).rowcount
    session.commit()
    return budget if moved == 1 else 0


def _send_slice(session: Session, config: Mapping, campaign_id: int, now: dt.datetime) -> int:
    pending = sa.select(CampaignRecipient.id).where(CampaignRecipient.campaign_id == campaign_id,
                                                    CampaignRecipient.status == PENDING)
    if session.scalar(pending.limit(1)) is None:  # everyone sent to or skipped: finished
        session.execute(sa.update(Campaign).where(Campaign.id == campaign_id, Campaign.status == RUNNING)
                        .values(status=FINISHED, finished_at=now, updated_at=now))
        session.commit()
        return 0
    campaign = session.get(Campaign, campaign_id)
    if campaign.use_promotion and not policy.in_promotion_hours(now):
        return 0  # Zalo takes promotions 06:00–21:59 only: the campaign waits, nobody is skipped for the hour
    budget = _reserve(session, campaign, now)
    if budget == 0:
        return 0
    ids = session.scalars(pending.order_by(CampaignRecipient.id).limit(budget)).all()
    return sum(_send_one(session, config, campaign_id, recipient_id, now) for recipient_id in ids)


def _send_one(session: Session, config: Mapping, campaign_id: int, recipient_id: int, now: dt.datetime) -> int:
    """One recipient in one transaction: taken (or already taken by another worker), then queued or skipped."""
    try:
        running = sa.exists().where(Campaign.id == campaign_id, Campaign.status == RUNNING)  # paused: stop now
        taken = session.execute(sa.update(CampaignRecipient).where(
            CampaignRecipient.id == recipient_id, CampaignRecipient.status == PENDING, running)
            .values(status=QUEUED, queued_at=now,
                    attributed_until=now + dt.timedelta(days=config["CAMPAIGN_ATTRIBUTION_DAYS"]))).rowcount
        if taken != 1:
            session.rollback()
            return 0
        recipient = session.get(CampaignRecipient, recipient_id)
        campaign = session.get(Campaign, campaign_id)
        outcome = deliver(session, config, campaign, recipient, now)
        session.commit()
        return outcome
    except Exception:
        session.rollback()
        raise


def deliver(session: Session, config: Mapping, campaign: Campaign, recipient: CampaignRecipient,
            now: dt.datetime) -> int:
    """Decide again with fresh facts and queue the message; a refusal skips the recipient with its code."""
    customer = live(session.get(Customer, recipient.customer_id))
    if customer.id != recipient.customer_id and session.scalar(sa.select(CampaignRecipient.id).where(
            CampaignRecipient.campaign_id == campaign.id, CampaignRecipient.customer_id == customer.id)):
        return _skip(recipient, MERGED)  # merged since the plan into another recipient: one message, not two
    link = links.link_for(config, recipient.id) if campaign.link_url else None
    promotion = (lambda text: promotion_message(campaign.name, text, image_url=campaign.image_url, link=link)) \
        if campaign.use_promotion else None
    sent = dispatch(session, config, customer, text=lambda: content.render(campaign.text, customer, link),
                    zns_template_id=campaign.zns_template_id, zns_params=campaign.zns_params, reason=REASON,
                    now=now, counted=1, image_url=campaign.image_url, promotion=promotion)  # own row: `queued`
    if sent.channel is None:
        return _skip(recipient, sent.reason)
    recipient.channel, recipient.message_id = sent.channel, sent.message_id
    recipient.zns_message_id = sent.zns_message_id
    return 1


def _skip(recipient: CampaignRecipient, reason: str | None) -> int:
    recipient.status, recipient.reason, recipient.queued_at, recipient.attributed_until = SKIPPED, reason, None, None
    return 0
