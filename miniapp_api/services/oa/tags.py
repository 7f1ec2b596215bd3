"""Mirroring customer tags to the OA's own tags (Zalo `/v2.0/oa/tag/*`) through the OA queue.

Each add or remove queues one call. At send time the worker re-reads the tag:
if it changed again meanwhile (added then removed, with retries in between),
the older call is skipped, so the OA ends up matching our database whatever
order retries finish in.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import Customer, CustomerTag, OaContact, OaOutbound, Tag
from ...models.oa_outbound import TAG_ADD, TAG_REMOVE
from .outbound import contact_for_customer
from ..customers.profiles import live


def queue_tag_mirror(session: Session, customer: Customer, tag_name: str, present: bool) -> OaOutbound | None:
    """Queue the OA call for a tag change; customers with no OA contact have nothing to mirror."""
    contact = contact_for_customer(session, customer)
    if contact is None:
        return None
    now = clock.now()
    row = OaOutbound(kind=TAG_ADD if present else TAG_REMOVE, oa_user_id=contact.oa_user_id,
                     payload={"tag_name": tag_name}, reason="tag_mirror", created_at=now, available_at=now,
                     status="pending", attempts=0)
    session.add(row)
    return row


def still_wanted(session: Session, row: OaOutbound) -> bool:
    """Whether the call still matches the customer's tags now (a newer change supersedes it)."""
    contact = session.scalar(sa.select(OaContact).where(OaContact.oa_user_id == row.oa_user_id))
    if contact is None:
        return False
    customer = live(session.get(Customer, contact.customer_id))
    if customer.erased_at is not None:
        return False
    tagged = session.scalar(sa.select(sa.exists().where(
        CustomerTag.customer_id == customer.id, CustomerTag.tag_id == Tag.id,
        Tag.name == row.payload.get("tag_name"))))
    return tagged == (row.kind == TAG_ADD)
