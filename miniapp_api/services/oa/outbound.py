"""Queueing messages to customers through the OA, inside Zalo's messaging window.

Zalo lets an OA send free-form (consultation) messages only for a while after
the customer's last interaction: free within 48 h, billed up to 7 days,
refused after (`-230`). We check before queueing (what we know locally, and
Zalo's last quota answer if fresh: `window.py`) and again before sending, when
the worker asks Zalo if in doubt, so a message that would be refused never
reaches Zalo. A contact whose only interaction is a follow is queued: the
worker lets Zalo decide.

Other features call `queue_text_message` (order-status notifications, staff
replies); it writes rows in the caller's transaction, whose commit wakes the worker to send them.
Messages queued with a marketing `reason` (MARKETING_REASONS) also need the
customer's current marketing consent, checked here and again at send time;
service messages (replies, welcome, order status) do not.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ... import clock
from ...queue import wakeup
from ...models import Customer, Message, OaContact, OaOutbound
from ...models.conversation import OUTBOUND
from ...models.customer import ZALO_OA
from ...models.oa_outbound import SEND_MESSAGE, SEND_PROMOTION, USER_DETAIL
from ...zalo.oa import image_message
from ..customers.consents import has_marketing_consent
from .conversations import add_message, current_conversation
from ..customers.profiles import live
from .window import CLOSED, PAID, assess, follow_only

AUTHOR_BY_REASON = {"auto_reply": "bot", "staff_reply": "staff"}
MARKETING_REASONS = frozenset({"marketing", "broadcast", "promotion", "campaign", "campaign_test", "journey"})
ANONYMOUS_PREFIX = "anon:"  # `oa_contact.oa_user_id` of an anonymous Zalo user: not an OA user id


class OutboundRefused(Exception):
    """The message cannot be sent to this customer; `reason` says why in words staff understand."""

    def __init__(self, reason: str, code: str):
        super().__init__(reason)
        self.reason = reason
        self.code = code


def marketing_refusal() -> OutboundRefused:
    return OutboundRefused("The customer has not agreed to (or withdrew) marketing messages.",
                           "no_marketing_consent")


def window_refusal(last_interaction_at: dt.datetime | None) -> OutboundRefused:
    if last_interaction_at is None:
        return OutboundRefused("The customer has never interacted with the OA; only template messages (ZNS) "
                               "can reach them.", "no_interaction")
    return OutboundRefused(f"The customer's last interaction was {last_interaction_at:%Y-%m-%d %H:%M} UTC, more "
                           "than 7 days ago; Zalo only allows template messages (ZNS) now.", "window_closed")


def contact_for_customer(session: Session, customer: Customer) -> OaContact | None:
    """The customer's OA contact: by their OA id, else any contact linked to the profile (never an anonymous
    user's: Zalo reaches those only through their conversation id, see `history_events`)."""
    customer = live(customer)
    identity = customer.identity(ZALO_OA, verified_only=True) or customer.identity(ZALO_OA)
    if identity is not None:
        contact = session.scalar(sa.select(OaContact).where(OaContact.oa_user_id == identity.value))
        if contact is not None:
            return contact
    return session.scalar(sa.select(OaContact).where(OaContact.customer_id == customer.id,
                                                     OaContact.oa_user_id.not_like(ANONYMOUS_PREFIX + "%"))
                          .order_by(OaContact.last_interaction_at.desc().nulls_last()).limit(1))


def queue_message(session: Session, contact: OaContact, message: dict, *, reason: str, text: str | None,
                  author: str | None = None, type_: str = "text", attachments: list | None = None) -> OaOutbound:
    """Window-check, then store the conversation message and the row the worker sends."""
    ttl = current_app.config["OA_QUOTA_CACHE_SECONDS"]
    known = assess(session, contact.oa_user_id, contact, clock.now(), ttl)
    undecided = known.source == "local" and contact.followed_at is not None and follow_only(contact)
    if known.state == CLOSED and not undecided:
        raise window_refusal(known.last_interaction_at)
    state = known.state
    if reason in MARKETING_REASONS and not has_marketing_consent(session, contact.customer_id):
        raise marketing_refusal()
    return _enqueue(session, contact, SEND_MESSAGE, message, reason=reason, text=text, author=author, type_=type_,
                    attachments=attachments, paid=state == PAID)


def _enqueue(session: Session, contact: OaContact, kind: str, message: dict, *, reason: str, text: str | None,
             author: str | None, type_: str, attachments: list | None, paid: bool = False) -> OaOutbound:
    """Store the conversation message (queued) and the row the worker sends, and wake the worker."""
    conversation = current_conversation(session, contact, reopen=False)
    stored = add_message(session, conversation, direction=OUTBOUND, author=author or AUTHOR_BY_REASON.get(reason, "system"),
                         type=type_, text=text, attachments=attachments or [], delivery_state="queued", paid=paid)
    now = clock.now()
    row = OaOutbound(kind=kind, oa_user_id=contact.oa_user_id, message_id=stored.id, payload=message,
                     reason=reason, created_at=now, available_at=now, status="pending", attempts=0)
    session.add(row)
    session.flush()
    wakeup.notify(session, wakeup.OA_OUTBOUND)
    return row


def queue_text_message(session: Session, customer: Customer, text: str, *, reason: str,
                       author: str | None = None, image_url: str | None = None) -> OaOutbound:
    """Queue a text (with `image_url`: an image by its URL, the text its caption) to a customer; raises
    `OutboundRefused` (with `reason`) when Zalo would refuse it."""
    if not text or len(text) > 2000:
        raise OutboundRefused("A Zalo text message must have 1 to 2000 characters.", "invalid_text")
    contact = contact_for_customer(session, customer)
    if contact is None:
        raise OutboundRefused("The customer has no Zalo OA conversation (no OA user id known).", "no_oa_contact")
    if image_url:
        return queue_message(session, contact, image_message(image_url, text), reason=reason, text=text,
                             author=author, type_="image",
                             attachments=[{"type": "image", "payload": {"url": image_url}}])
    return queue_message(session, contact, {"text": text}, reason=reason, text=text, author=author)


def queue_promotion(session: Session, customer: Customer, message: dict, *, text: str, reason: str) -> OaOutbound:
    """Queue a promotion message (`zalo.oa.promotion_message`) to a customer who follows the OA: no window needed,
    marketing consent is; Zalo's once-a-day and hours rules are the campaign policy's (docs/campaigns.md)."""
    contact = contact_for_customer(session, customer)
    if contact is None or not contact.is_follower:
        raise OutboundRefused("Promotion messages reach followers of the OA only.", "not_follower")
    if not has_marketing_consent(session, contact.customer_id):
        raise marketing_refusal()
    return _enqueue(session, contact, SEND_PROMOTION, message, reason=reason, text=text, author=None,
                    type_="promotion", attachments=None)


def queue_user_detail(session: Session, contact: OaContact) -> None:
    """Ask the worker to fetch `/v3.0/oa/user/detail` once for this contact."""
    if contact.enrichment_queued:
        return
    contact.enrichment_queued = True
    now = clock.now()
    session.add(OaOutbound(kind=USER_DETAIL, oa_user_id=contact.oa_user_id, payload={}, reason="enrichment",
                           dedupe_key=f"user_detail:{contact.oa_user_id}", created_at=now, available_at=now,
                           status="pending", attempts=0))
    wakeup.notify(session, wakeup.OA_OUTBOUND)


def outbound_message(session: Session, row: OaOutbound) -> Message | None:
    return session.get(Message, row.message_id) if row.message_id else None
