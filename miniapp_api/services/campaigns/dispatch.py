"""One marketing message to one customer, by the channel the policy picks now: what campaigns and journeys share.

The policy is applied with fresh facts at this moment (a customer who withdrew consent, unfollowed or reached
the frequency cap since is skipped), then the message goes into the OA or ZNS queue inside the caller's
transaction, which deliver it exactly once; a refusal by Zalo's rules is a skip with its code.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Callable, Mapping

from ...models import Customer
from ...models.campaign import CS, PROMOTION
from ..oa.outbound import OutboundRefused, queue_promotion, queue_text_message
from ..zns.send import ZnsInvalid, ZnsRefused, queue_template
from . import content, policy
from .planning import facts_for


@dataclasses.dataclass
class Dispatched:
    channel: str | None
    reason: str | None = None
    message_id: int | None = None
    zns_message_id: int | None = None


def dispatch(session, config: Mapping, customer: Customer, *, text: Callable[[], str], zns_template_id: str | None,
             zns_params: Mapping, reason: str, now: dt.datetime, counted: int = 0,
             image_url: str | None = None, promotion: Callable[[str], dict] | None = None) -> Dispatched:
    """Queue the message by the channel the policy decides; `counted`: sends of this very message already in the
    frequency cap's count (a campaign recipient's own row), so they do not count against it. `image_url`: the
    consultation message is that image with the text as its caption (a ZNS template has its own layout).
    `promotion` builds Zalo's promotion message from the text: given, a follower may get one (policy step 4)."""
    facts = facts_for(session, [customer.id], now)[customer.id]
    facts = dataclasses.replace(facts, marketing_sends_7d=facts.marketing_sends_7d - counted)
    decision = policy.decide(facts, has_template=bool(zns_template_id),
                             frequency_cap=config["CAMPAIGN_FREQUENCY_CAP"], now=now, promotion=promotion is not None)
    if decision.channel is None:
        return Dispatched(None, decision.reason)
    try:
        if decision.channel == CS:
            row = queue_text_message(session, customer, text(), reason=reason, image_url=image_url)
            return Dispatched(CS, message_id=row.message_id)
        if decision.channel == PROMOTION:
            body = text()
            row = queue_promotion(session, customer, promotion(body), text=body, reason=reason)
            return Dispatched(PROMOTION, message_id=row.message_id)
        zns = queue_template(session, customer, zns_template_id, content.zns_data(zns_params, customer), reason=reason)
        return Dispatched(decision.channel, zns_message_id=zns.id)
    except OutboundRefused as exc:
        return Dispatched(None, exc.code)
    except (ZnsRefused, ZnsInvalid) as exc:
        return Dispatched(None, getattr(exc, "code", "zns_invalid"))
