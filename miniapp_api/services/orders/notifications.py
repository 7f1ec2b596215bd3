"""Telling a customer on Zalo that their order moved (confirmed, shipping, delivered, cancelled).

A status change queues an OA text only when the shop has a template for that
status, the customer consented, Zalo's messaging window is open and the
customer holds the order's phone verified by Zalo (so a person who typed
someone else's phone never receives their order news); otherwise it records
why not. A template may link to the form with `{form}` (forms/links.py).
When the window is closed, a ZNS template configured for the status
(`ZNS_ORDER_TEMPLATES`) goes to that verified phone instead. Consent: an
explicit `order_updates` consent decides when present (so a customer can
withdraw just these), else the marketing consent the default form collects.
"""
from __future__ import annotations

import logging

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from ...models import Customer, Order
from ...models.customer import PHONE, ZALO_OA
from ..customers.consents import MARKETING, current_consents
from ..forms.links import ORDER_STATUS, form_link
from ..oa.outbound import OutboundRefused, queue_text_message
from ..customers.phones import InvalidPhone, normalize_phone
from ..zns import order_templates

# Refusals of the OA text that a ZNS template gets past: Zalo's messaging window is closed, or never opened.
ZNS_FALLBACK = ("window_closed", "no_interaction", "no_oa_contact")

log = logging.getLogger(__name__)

ORDER_UPDATES = "order_updates"
DEFAULT_TEMPLATES = {
    "confirmed": "Đơn hàng {order} của bạn đã được xác nhận. Cảm ơn bạn đã mua hàng!",
    "shipping": "Đơn hàng {order} đang được giao đến bạn.",
    "delivered": "Đơn hàng {order} đã được giao thành công. Cảm ơn bạn!",
    "cancelled": "Đơn hàng {order} đã được huỷ. Bạn cần hỗ trợ, hãy nhắn cho cửa hàng nhé.",
}


def templates() -> dict[str, str]:
    if has_app_context():
        return current_app.config.get("ORDER_STATUS_MESSAGES") or DEFAULT_TEMPLATES
    return DEFAULT_TEMPLATES


def _form_link() -> str:
    """For `{form}` in a shop's template: the link opening the form (the Mini App when the shop has one)."""
    return form_link(current_app.config, source=ORDER_STATUS) if has_app_context() else ""


def consented(session: Session, customer: Customer) -> bool:
    consents = current_consents(session, customer.id)
    decisive = consents.get(ORDER_UPDATES) or consents.get(MARKETING)
    return bool(decisive and decisive.granted)


def order_phone_verified(customer: Customer, order: Order) -> bool:
    """The customer's Zalo account verified the phone the order was placed with."""
    try:
        phone = normalize_phone(order.phone) if order.phone else None
    except InvalidPhone:
        return False
    return any(i.verified and i.kind == PHONE and i.value == phone for i in customer.identities)


def phone_verified_for(customer: Customer, order: Order) -> bool:
    """The order's phone is verified as the customer's, and Zalo vouched for the OA id the message would go to
    (a client-sent idByOA could name someone else)."""
    return order_phone_verified(customer, order) and any(i.verified and i.kind == ZALO_OA for i in customer.identities)


def notify_status_change(session: Session, customer: Customer | None, order: Order) -> str:
    """Queue the status message in the caller's transaction; returns what happened, for the event payload.

    An OA text while Zalo's messaging window is open; when it is closed (or the customer never wrote to the OA)
    the status's ZNS template, if one is configured, goes to the order's phone instead (`zns_queued`).
    """
    template = templates().get(order.status)
    zns = order_templates.spec_for(order.status)
    if template is None and zns is None:
        return "no_template"
    if customer is None:
        return "no_customer"
    if not order_phone_verified(customer, order):
        return "phone_unverified"
    if not consented(session, customer):
        return "no_consent"
    if template is not None and phone_verified_for(customer, order):
        total = f" ({order.total_vnd:,} đ)".replace(",", ".") if order.total_vnd else ""
        try:
            queue_text_message(session, customer, template.format(order=f"#{order.external_id}{total}",
                                                                  form=_form_link()),
                               reason="order_status")
            return "queued"
        except OutboundRefused as exc:
            if zns is None or exc.code not in ZNS_FALLBACK:
                log.info("order %s status message not sent: %s", order.external_id, exc.code)
                return exc.code
    elif zns is None:
        return "phone_unverified"  # no OA id Zalo vouched for, and no template to send by phone
    outcome = order_templates.queue_order_status(session, customer, order, zns)
    log.info("order %s status message by ZNS: %s", order.external_id, outcome)
    return outcome
