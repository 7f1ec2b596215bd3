"""Queueing a ZNS template message to a customer's phone, in the caller's transaction.

ZNS reaches whoever holds the phone number on Zalo, so the number must be one
the customer proved is theirs: only a phone Zalo verified (decoded through
`getPhoneNumber`, docs/profiles.md) is used. A typed phone, a `user_submit_info`
card or a CRM's number proves nothing, and a message sent to it could tell a
stranger about someone else's order; such a customer is refused, saying so. An
order-status message also needs the order's phone to be that verified phone.
"""
from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from ... import clock
from ...models import Customer, Order, ZnsMessage
from ...models.customer import PHONE
from ...models.zns import QUEUED
from ..customers.phones import to_zalo
from ..customers.profiles import live
from . import templates

NO_VERIFIED_PHONE = "no_verified_phone"


class ZnsRefused(Exception):
    """This customer cannot be sent a template message; `reason` says why in words staff understand."""

    def __init__(self, reason: str, code: str):
        super().__init__(reason)
        self.reason, self.code = reason, code


class ZnsInvalid(Exception):
    """The template or its data would be refused by Zalo; `errors` per field (`template_data.<name>`)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def verified_phone(customer: Customer) -> str | None:
    """The customer's phone Zalo verified (E.164), or None."""
    identity = live(customer).identity(PHONE, verified_only=True)
    return identity.value if identity is not None else None


def no_phone_refusal() -> ZnsRefused:
    return ZnsRefused("ZNS messages go to a phone number, and this customer has no phone verified by Zalo (a typed "
                      "phone could belong to someone else). Ask them to share their phone in the Mini App.",
                      NO_VERIFIED_PHONE)


def check(session: Session, template_id: str, data: dict) -> None:
    """Raise `ZnsInvalid` unless Zalo would take `data` for this (enabled) template."""
    template = templates.get(session, template_id)
    if template is None:
        raise ZnsInvalid({"template_id": ["Unknown template; sync the OA's templates from Zalo first."]})
    if template.status != templates.ENABLE:
        raise ZnsInvalid({"template_id": [f"The template is {template.status} at Zalo; only ENABLE templates "
                                          "can be sent."]})
    if errors := templates.parameter_errors(template, data):
        raise ZnsInvalid(errors)


def queue_template(session: Session, customer: Customer, template_id: str, data: dict, *, reason: str,
                   phone: str | None = None, order: Order | None = None, staff_id: int | None = None) -> ZnsMessage:
    """Check, then write the row the worker sends. `phone` (E.164) must be one of the customer's verified phones;
    by default their preferred verified phone."""
    customer = live(customer)
    verified = {i.value for i in customer.identities if i.kind == PHONE and i.verified}
    phone = phone or verified_phone(customer)
    if phone is None or phone not in verified:
        raise no_phone_refusal()
    check(session, template_id, data)
    now = clock.now()
    row = ZnsMessage(tracking_id="zns" + secrets.token_hex(16), template_id=template_id, phone=to_zalo(phone),
                     template_data={k: v for k, v in data.items()}, customer_id=customer.id,
                     order_id=order.id if order is not None else None, staff_id=staff_id, reason=reason,
                     delivery_state=QUEUED, created_at=now, available_at=now, status="pending", attempts=0)
    session.add(row)
    session.flush()
    return row
