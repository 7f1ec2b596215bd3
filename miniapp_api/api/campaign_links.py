"""Tracked campaign links: `GET /r/<code>` records the recipient's first click and redirects once.

Public (customers open it from Zalo). The code is a signed recipient id (services/campaigns/links.py): no
personal data in the URL, and a forged or altered code is a 404, never a redirect to somewhere else.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, redirect
from flask_smorest import Blueprint

from .. import clock
from ..errors import Problem
from ..extensions import db
from ..models import Campaign, CampaignRecipient
from ..services.campaigns.links import recipient_for

blp = Blueprint("campaign_links", __name__, url_prefix="/r", description="Tracked campaign links")


@blp.route("/<code>")
@blp.response(302)
@blp.alt_response(404, description="Not a link this shop sent")
def follow(code):
    """Record the click (once per recipient) and go to the campaign's link."""
    recipient_id = recipient_for(current_app.config, code)
    target = None if recipient_id is None else db.session.scalar(
        sa.select(Campaign.link_url).join(CampaignRecipient, CampaignRecipient.campaign_id == Campaign.id)
        .where(CampaignRecipient.id == recipient_id))
    if not target:
        raise Problem(404, "No such link.", title="Not Found", detail_vi="Liên kết không tồn tại.")
    db.session.execute(sa.update(CampaignRecipient).where(CampaignRecipient.id == recipient_id,
                                                          CampaignRecipient.clicked_at.is_(None))
                       .values(clicked_at=clock.now()))
    db.session.commit()
    return redirect(target, code=302)
