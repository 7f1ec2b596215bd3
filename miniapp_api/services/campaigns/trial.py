"""A trial send: the campaign's message to one chosen customer now, to see it as customers will.

Zalo's rules and consent apply as to any marketing message (the OA queue refuses what Zalo would); the pace,
quiet hours and the frequency cap do not, and nothing is counted in the campaign's results. The tracked link
is replaced by the campaign's own `link_url`, since a trial has no recipient to record a click for.
"""
from __future__ import annotations

from typing import Mapping

from sqlalchemy.orm import Session

from ... import clock
from ...models import Campaign, Customer
from ..oa.outbound import OutboundRefused, queue_text_message
from ..oa.window import FREE, window_state
from ..zns.send import ZnsInvalid, ZnsRefused, queue_template
from . import content
from .planning import CampaignError, facts_for

REASON = "campaign_test"


def send_trial(session: Session, config: Mapping, campaign: Campaign, customer: Customer) -> str:
    """Queue it; returns the text sent (or the template id). Raises `CampaignError` saying why not."""
    facts = facts_for(session, [customer.id], clock.now())[customer.id]
    try:
        if facts.has_contact and window_state(facts.last_interaction_at, clock.now()) == FREE:
            text = content.render(campaign.text, customer, campaign.link_url)
            queue_text_message(session, customer, text, reason=REASON, image_url=campaign.image_url)
            return text
        if campaign.zns_template_id:
            queue_template(session, customer, campaign.zns_template_id,
                           content.zns_data(campaign.zns_params, customer), reason=REASON)
            return f"ZNS {campaign.zns_template_id}"
    except OutboundRefused as exc:
        raise CampaignError(str(exc), exc.code) from exc
    except (ZnsRefused, ZnsInvalid) as exc:
        raise CampaignError(str(exc), getattr(exc, "code", "zns_invalid")) from exc
    raise CampaignError("This customer's free window is closed and the campaign has no ZNS template.",
                        "no_channel")
