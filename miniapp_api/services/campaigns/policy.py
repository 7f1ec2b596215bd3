"""Which channel reaches one recipient of a campaign, or why none may: Zalo's rules and the shop's, in one place.

Checked in this order, the first that applies deciding:
1. an erased profile, no current marketing consent, or a customer who unfollowed the OA is skipped;
2. a customer who already got `CAMPAIGN_FREQUENCY_CAP` marketing messages in the last 7 days is skipped;
3. an OA contact whose free window is open (their last interaction ≤ 48 h ago) gets a consultation message;
   a paid window (48 h – 7 days) is not used: a campaign should not run up per-message charges unasked;
4. otherwise, when the campaign allows it, a promotion message to a follower who has had none today (Zalo
   allows one per user per day, 06:00–21:59 Vietnam time: such a campaign is held outside those hours);
5. otherwise a ZNS template by phone, when the campaign has one and the customer has a phone Zalo verified;
6. otherwise skipped, saying why.

Planning applies this with what we know locally (our webhooks' last interaction), for every recipient at once;
sending applies it again to the one recipient, and the OA queue then asks Zalo's quota endpoint before the
message leaves, as for every message (docs/oa.md "Messaging window and quota"). Quiet hours do not skip
anyone: they hold the campaign (`in_quiet_hours`), as Zalo's promotion hours hold a campaign that uses
promotions (`in_promotion_hours`). Promotions are off unless a campaign turns them on: Zalo reportedly replaced
them by template messages on 2026-03-01 and an OA may not have them (docs/campaigns.md).
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from ... import clock
from ..oa.window import FREE, window_state
from ..oa.auto_reply import in_business_hours
from ...models.campaign import CS, PROMOTION, ZNS

# Why a recipient is skipped (API values; the console words them).
ERASED, NO_CONSENT, UNFOLLOWED, FREQUENCY_CAP = "erased", "no_consent", "unfollowed", "frequency_cap"
NO_CHANNEL, NO_PHONE = "window_closed_no_template", "window_closed_no_phone"
PROMOTION_TODAY = "promotion_daily_limit"
SKIP_REASONS = (ERASED, NO_CONSENT, UNFOLLOWED, FREQUENCY_CAP, NO_CHANNEL, NO_PHONE, PROMOTION_TODAY)
PROMOTION_HOURS = "06:00-22:00"  # Zalo sends promotions from 06:00 to 21:59, Vietnam time
CAP_DAYS = 7


@dataclasses.dataclass(frozen=True)
class Facts:
    """What the policy needs to know of one customer."""

    erased: bool
    consented: bool
    has_contact: bool
    unfollowed: bool
    last_interaction_at: dt.datetime | None
    verified_phone: bool
    marketing_sends_7d: int
    follows: bool = False
    promotion_today: bool = False


@dataclasses.dataclass(frozen=True)
class Decision:
    channel: str | None
    reason: str | None = None


def decide(facts: Facts, *, has_template: bool, frequency_cap: int, now: dt.datetime,
           promotion: bool = False) -> Decision:
    if facts.erased:
        return Decision(None, ERASED)
    if not facts.consented:
        return Decision(None, NO_CONSENT)
    if facts.unfollowed:
        return Decision(None, UNFOLLOWED)
    if facts.marketing_sends_7d >= frequency_cap:
        return Decision(None, FREQUENCY_CAP)
    if facts.has_contact and window_state(facts.last_interaction_at, now) == FREE:
        return Decision(CS)
    if promotion and facts.follows and not facts.promotion_today:
        return Decision(PROMOTION)
    if not has_template:
        return Decision(None, PROMOTION_TODAY if promotion and facts.follows else NO_CHANNEL)
    if not facts.verified_phone:
        return Decision(None, NO_PHONE)
    return Decision(ZNS)


def in_quiet_hours(quiet: str, now: dt.datetime | None = None) -> bool:
    """Whether marketing must wait now: `quiet` is a window like "21:00-08:00" (Vietnam time); empty: never."""
    return bool(quiet) and in_business_hours(quiet, now or clock.now())


def in_promotion_hours(now: dt.datetime | None = None) -> bool:
    return in_business_hours(PROMOTION_HOURS, now or clock.now())


def today_start(now: dt.datetime) -> dt.datetime:
    """Midnight of the Vietnam day `now` falls in: Zalo's once-a-day promotion limit counts from there."""
    return now.astimezone(clock.LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
