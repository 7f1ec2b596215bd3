"""Planning a campaign: its audience frozen as recipients, each with a channel or a reason, and the plan's figures.

Built for 100,000 recipients: the audience and every fact the policy needs are read with a few set-based
statements per chunk of customers, and the rows are written with one multi-row insert per chunk. Nothing is
sent here. Planning again (before the start) replaces the recipient list; after the start it is frozen.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import (Campaign, CampaignRecipient, Customer, CustomerIdentity, JourneyStepRun, OaContact, Segment,
                       ZnsTemplate)
from ...models.campaign import CANCELLED, CS, DRAFT, PENDING, PLANNED, PROMOTION, QUEUED, SCHEDULED, SKIPPED, ZNS
from ...models.customer import PHONE
from ..customers import segments
from ..oa.outbound import ANONYMOUS_PREFIX
from . import policy

CHUNK = 5000


class CampaignError(Exception):
    """The campaign cannot do this now; `code` is stable, the message says why."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def audience_conditions(session: Session, audience: Mapping) -> list:
    """SQL conditions on Customer for `{"segment_id": n}` or `{"tags": [...]}` (any of them)."""
    if "segment_id" in audience:
        segment = session.get(Segment, audience["segment_id"])
        if segment is None:
            raise CampaignError(f"No segment {audience['segment_id']}.", "unknown_segment")
        return segments.compile_filter(segment.filter)
    base = segments.compile_filter({})
    return [*base, sa.or_(*(segments.compile_filter({"tags": [name]})[-1] for name in audience["tags"]))]


def facts_for(session: Session, customer_ids: list[int], now: dt.datetime) -> dict[int, policy.Facts]:
    """The policy's facts for these customers, in seven statements."""
    consent = segments.marketing_consent_clause()
    live = dict(session.execute(sa.select(Customer.id, Customer.erased_at.is_not(None))
                                .where(Customer.id.in_(customer_ids))).all())
    consented = set(session.scalars(sa.select(Customer.id).where(Customer.id.in_(customer_ids), consent)))
    contacts = {row.customer_id: row for row in session.execute(
        sa.select(OaContact.customer_id, sa.func.max(OaContact.last_interaction_at).label("last"),
                  sa.func.max(sa.case((OaContact.is_follower.is_(True), 1), else_=0)).label("follows"),
                  sa.func.max(sa.case((OaContact.unfollowed_at.is_not(None), 1), else_=0)).label("left"))
        .where(OaContact.customer_id.in_(customer_ids), OaContact.oa_user_id.not_like(ANONYMOUS_PREFIX + "%"))
        .group_by(OaContact.customer_id))}
    phones = set(session.scalars(sa.select(CustomerIdentity.customer_id).where(
        CustomerIdentity.customer_id.in_(customer_ids), CustomerIdentity.kind == PHONE,
        CustomerIdentity.verified.is_(True))))
    since = now - dt.timedelta(days=policy.CAP_DAYS)
    recent = Counter(dict(session.execute(
        sa.select(CampaignRecipient.customer_id, sa.func.count())
        .where(CampaignRecipient.customer_id.in_(customer_ids), CampaignRecipient.status == QUEUED,
               CampaignRecipient.queued_at >= since)
        .group_by(CampaignRecipient.customer_id)).all()))
    recent.update(dict(session.execute(  # journeys' messages count against the same cap
        sa.select(JourneyStepRun.customer_id, sa.func.count())
        .where(JourneyStepRun.customer_id.in_(customer_ids), JourneyStepRun.kind == "send",
               JourneyStepRun.outcome.in_((CS, ZNS)), JourneyStepRun.at >= since)
        .group_by(JourneyStepRun.customer_id)).all()))
    promoted_today = set(session.scalars(sa.select(CampaignRecipient.customer_id).where(
        CampaignRecipient.customer_id.in_(customer_ids), CampaignRecipient.channel == PROMOTION,
        CampaignRecipient.status == QUEUED, CampaignRecipient.message_id.is_not(None),  # handed over: not the one
        CampaignRecipient.queued_at >= policy.today_start(now))))                        # being decided now
    found = {}
    for customer_id in customer_ids:
        contact = contacts.get(customer_id)
        found[customer_id] = policy.Facts(
            erased=live.get(customer_id, True), consented=customer_id in consented, has_contact=contact is not None,
            unfollowed=bool(contact and contact.left and not contact.follows),
            last_interaction_at=contact.last if contact else None, verified_phone=customer_id in phones,
            marketing_sends_7d=recent.get(customer_id, 0), follows=bool(contact and contact.follows),
            promotion_today=customer_id in promoted_today)
    return found


def plan(session: Session, campaign: Campaign, config: Mapping) -> dict:
    """Freeze the audience into recipients with their channel or reason; returns the plan's figures."""
    if campaign.status not in (DRAFT, PLANNED, SCHEDULED):
        raise CampaignError("A campaign is planned before it starts; its recipients are frozen since.",
                            "already_started")
    now = clock.now()
    session.execute(sa.delete(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id))
    ids = list(session.scalars(sa.select(Customer.id).where(*audience_conditions(session, campaign.audience))
                               .order_by(Customer.id)))
    cap, has_template = config["CAMPAIGN_FREQUENCY_CAP"], bool(campaign.zns_template_id)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        facts = facts_for(session, chunk, now)
        rows = []
        for customer_id in chunk:
            decision = policy.decide(facts[customer_id], has_template=has_template, frequency_cap=cap, now=now,
                                     promotion=campaign.use_promotion)
            rows.append({"campaign_id": campaign.id, "customer_id": customer_id, "channel": decision.channel,
                         "status": PENDING if decision.channel else SKIPPED, "reason": decision.reason})
        session.execute(sa.insert(CampaignRecipient), rows)
    campaign.planned_at, campaign.updated_at = now, now
    if campaign.status == DRAFT:
        campaign.status = PLANNED
    return summary(session, campaign)


def unplan(session: Session, campaign: Campaign) -> None:
    """An edited campaign is a draft again: its old plan no longer says what it would do."""
    session.execute(sa.delete(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id))
    campaign.status, campaign.planned_at, campaign.scheduled_at, campaign.updated_at = DRAFT, None, None, clock.now()


def summary(session: Session, campaign: Campaign) -> dict:
    """Recipients by channel and by skip reason, and the ZNS cost estimate in VND."""
    rows = session.execute(sa.select(CampaignRecipient.channel, CampaignRecipient.status, CampaignRecipient.reason,
                                     sa.func.count())
                           .where(CampaignRecipient.campaign_id == campaign.id)
                           .group_by(CampaignRecipient.channel, CampaignRecipient.status,
                                     CampaignRecipient.reason)).all()
    channels, skipped, total = Counter(), Counter(), 0
    for channel, status, reason, count in rows:
        total += count
        if status == SKIPPED:
            skipped[reason] += count
        elif status != CANCELLED:
            channels[channel] += count
    price = _template_price(session, campaign.zns_template_id)
    return {"recipients": total, "by_channel": {CS: channels[CS], PROMOTION: channels[PROMOTION], ZNS: channels[ZNS]},
            "skipped": dict(sorted(skipped.items())), "zns_price_vnd": price,
            "estimated_cost_vnd": None if price is None else price * channels[ZNS]}


def _template_price(session: Session, template_id: str | None) -> int | None:
    """The template's price per message as Zalo gives it ("300" VND), or None when unknown."""
    if not template_id:
        return None
    price = session.scalar(sa.select(ZnsTemplate.price).where(ZnsTemplate.template_id == template_id))
    try:
        return int(float(price)) if price is not None else None
    except ValueError:
        return None
