"""The customer filter language, compiled once into SQL for the customer list and for segments.

A filter is a dict (validated by `schemas.admin_customers.CustomerFilter`); every
key narrows the set (AND). Merged tombstones and erased profiles never match.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from ... import clock
from ...models import ConsentRecord, Customer, CustomerIdentity, CustomerTag, OaContact, Order, Tag
from ...models.customer import PHONE
from .consents import MARKETING


def _has_tag(name: str):
    return sa.exists().where(CustomerTag.customer_id == Customer.id, CustomerTag.tag_id == Tag.id, Tag.name == name)


def _interaction_at_or_after(moment: dt.datetime):
    return sa.exists().where(OaContact.customer_id == Customer.id, OaContact.last_interaction_at >= moment)


def marketing_consent_clause():
    """The customer's latest marketing consent record says granted."""
    newer = aliased(ConsentRecord)
    latest = ~sa.exists().where(
        newer.customer_id == ConsentRecord.customer_id, newer.purpose == MARKETING,
        sa.or_(newer.recorded_at > ConsentRecord.recorded_at,
               sa.and_(newer.recorded_at == ConsentRecord.recorded_at, newer.id > ConsentRecord.id)))
    return sa.exists().where(ConsentRecord.customer_id == Customer.id, ConsentRecord.purpose == MARKETING,
                             ConsentRecord.granted.is_(True), latest)


def _flag(clause, wanted: bool):
    return clause if wanted else ~clause


def compile_filter(spec: dict) -> list:
    """SQL conditions on `Customer` for a validated filter."""
    now = clock.now()
    conditions = [Customer.merged_into_id.is_(None), Customer.erased_at.is_(None)]
    conditions += [_has_tag(name) for name in spec.get("tags", ())]
    conditions += [~_has_tag(name) for name in spec.get("exclude_tags", ())]
    for name, column in (("source", Customer.source), ("province", Customer.province),
                         ("pipeline_status", Customer.pipeline_status)):
        if spec.get(name):
            conditions.append(column.in_(spec[name]))
    after = spec.get("last_interaction_after")
    if "last_interaction_within_days" in spec:
        within = now - dt.timedelta(days=spec["last_interaction_within_days"])
        after = max(after, within) if after else within
    if after:
        conditions.append(_interaction_at_or_after(after))
    if spec.get("last_interaction_before"):
        ever = sa.exists().where(OaContact.customer_id == Customer.id, OaContact.last_interaction_at.is_not(None))
        conditions += [ever, ~_interaction_at_or_after(spec["last_interaction_before"])]
    if "has_phone" in spec:
        phone = sa.exists().where(CustomerIdentity.customer_id == Customer.id, CustomerIdentity.kind == PHONE)
        conditions.append(_flag(phone, spec["has_phone"]))
    if "consented" in spec:
        conditions.append(_flag(marketing_consent_clause(), spec["consented"]))
    if "has_orders" in spec:
        conditions.append(_flag(sa.exists().where(Order.customer_id == Customer.id), spec["has_orders"]))
    return conditions


def count(session: Session, conditions: list) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Customer).where(*conditions))


def page(session: Session, conditions: list, *, limit: int, before_id: int | None = None) -> tuple[list, int | None]:
    """Newest first, keyset-paged by id; returns (customers, the cursor of the next page or None)."""
    statement = sa.select(Customer).where(*conditions).order_by(Customer.id.desc()).limit(limit + 1)
    if before_id is not None:
        statement = statement.where(Customer.id < before_id)
    rows = list(session.scalars(statement))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None)
