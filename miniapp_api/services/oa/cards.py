"""Zalo's request-user-info card: asks the customer, inside the chat, to share name, phone and address.

Zalo documents it as a `message/cs` attachment (`template_type:
"request_user_info"`, exactly one element: `title` ≤ 100 characters, `subtitle`
≤ 500, `image_url`); the customer's answer comes back as the `user_submit_info`
webhook, which `events.on_submit_info` puts on the profile. The welcome, staff
(`POST /api/v1/admin/conversations/<id>/info-request`) and auto-reply rules
send it through the same window-checked queue as every other message.
"""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from ...models import OaContact, OaOutbound
from ...zalo.oa import request_user_info_message
from .outbound import queue_message

CARD_TYPE = "request_user_info"


def info_request_message(config: Mapping, *, title: str | None = None, subtitle: str | None = None) -> dict:
    """The card with the shop's settings (OA_INFO_REQUEST_*), `title`/`subtitle` overriding them."""
    image = config["OA_INFO_REQUEST_IMAGE_URL"] or config["PUBLIC_BASE_URL"].rstrip("/") + "/miniapp/info-card.png"
    return request_user_info_message(title or config["OA_INFO_REQUEST_TITLE"],
                                     subtitle or config["OA_INFO_REQUEST_SUBTITLE"], image)


def queue_info_request(session: Session, contact: OaContact, config: Mapping, *, reason: str,
                       author: str | None = None, title: str | None = None,
                       subtitle: str | None = None) -> OaOutbound:
    """Queue the card to `contact` in the caller's transaction; raises `OutboundRefused` like any send."""
    return queue_message(session, contact, info_request_message(config, title=title, subtitle=subtitle),
                         reason=reason, text=None, author=author, type_=CARD_TYPE)
