"""Telling a customer on Zalo that their order moved (confirmed, shipping, delivered, cancelled).

A status change queues an OA text only when the shop has a template for that
status, the customer consented, Zalo's messaging window is open and the
customer holds the order's phone verified by Zalo (so a person who typed
someone else's phone never receives their order news); otherwise it records
why not. A template may link to the form with `{form}` (forms/links.py).
Consent: an explicit `order_updates` consent decides when present (so a
customer can withdraw just these), else the marketing consent the default
form collects.
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


def phone_verified_for(customer: Customer, order: Order) -> bool:
    """The customer's Zalo account verified the phone the order was placed with, and Zalo vouched for the OA id
    the message would go to (a client-sent idByOA could name someone else)."""
    try:
        phone = normalize_phone(order.phone) if order.phone else None
    except InvalidPhone:
        return False
    verified = {(i.kind, i.value) for i in customer.identities if i.verified}
    return (PHONE, phone) in verified and any(kind == ZALO_OA for kind, _ in verified)


def notify_status_change(session: Session, customer: Customer | None, order: Order) -> str:
    """Queue the status message in the caller's transaction; returns what happened, for the event payload."""
    template = templates().get(order.status)
    if template is None:
        return "no_template"
    if customer is None:
        return "no_customer"
    if not phone_verified_for(customer, order):
        return "phone_unverified"
    if not consented(session, customer):
        return "no_consent"
    total = f" ({order.total_vnd:,} đ)".replace(",", ".") if order.total_vnd else ""
    try:
        queue_text_message(session, customer, template.format(order=f"#{order.external_id}{total}",
                                                              form=_form_link()), reason="order_status")
    except OutboundRefused as exc:
        log.info("order %s status message not sent: %s", order.external_id, exc.code)
        return exc.code
    return "queued"
