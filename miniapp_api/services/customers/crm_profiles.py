"""The profile a CRM's own customer id names: how an order's customer and an integrator's upsert find theirs.

A CRM's customer id is an identity of its own kind, scoped by connector (`<connector name>:<id>`): verified,
since only that CRM (through its connector's credentials) can name it. The phone the CRM holds is the CRM's
claim, not the person's: it is attached unverified, so it may link a profile staff can review but never gives a
Zalo user access to one nor merges it into a verified holder (docs/profiles.md).
"""
from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ... import clock
from ...models import Customer, CustomerIdentity
from ...models.customer import BY_CRM, CRM, PHONE
from .phones import InvalidPhone, normalize_phone
from .profiles import Claim, Resolution, live, locked_profiles, publish_upsert, resolve_profile
from .provenance import apply_facts

MAX_IDENTITY = 64  # customer_identity.value


def crm_identity(connector_name: str, crm_customer_id: str) -> str | None:
    """`<connector>:<id>`, or None when it cannot be held (the caller then links another way or refuses)."""
    value = f"{connector_name}:{crm_customer_id}"
    return value if len(value) <= MAX_IDENTITY else None


def crm_phone(raw: str | None) -> str | None:
    """A phone a CRM sent (with a customer or an order) in E.164, or None when missing or not a phone."""
    try:
        return normalize_phone(raw) if raw else None
    except InvalidPhone:
        return None


def crm_profile(session: Session, connector_name: str, identity: str, *, phone: str | None = None,
                facts: dict | None = None) -> Resolution:
    """Find or make the profile of this CRM identity, with the CRM's phone and fields as the CRM's claims."""
    source = f"crm:{connector_name}"
    claims = [Claim(CRM, identity, True, source)]
    if phone:
        claims.append(Claim(PHONE, phone, False, source))
    return resolve_profile(session, claims, facts=facts, source="crm", origin=BY_CRM)


@dataclasses.dataclass(frozen=True)
class RemoteCustomer:
    """A customer as a CRM lists it, for the initial sync's link phase (crm_sync/initial_sync.py)."""

    crm_id: str
    phone: str | None = None      # as the CRM holds it; normalized here
    full_name: str | None = None
    email: str | None = None
    ref: str | None = None        # our ref, when the record is one we pushed and the CRM kept it


# How `link_crm_customers` placed each CRM record (the initial sync counts them).
BY_CRM_ID, BY_REF, BY_VERIFIED_PHONE, CREATED, SKIPPED = "by_crm_id", "by_ref", "by_phone", "created", "skipped"


@dataclasses.dataclass(frozen=True)
class Linked:
    """Where one CRM record went: `how` (above), the profile's ref, and whether that profile is the record itself
    (made from it alone, so what it publishes now is what the CRM holds already: an echo not to send back)."""

    how: str
    ref: str | None = None
    echo: bool = False


def link_crm_customers(session: Session, connector_name: str, remotes: list[RemoteCustomer]) -> list[Linked]:
    """Give a page of a CRM's existing customers their profiles, under the identity rules; says where each went.

    1. A profile that holds the CRM id already keeps it (the CRM's phone and fields offered as the CRM's).
    2. The record carries our ref (we pushed it and the CRM kept it): that profile.
    3. Exactly one profile holds the record's phone *verified* (Zalo decoded it for that person), as an order
       links: the CRM id joins it. A phone someone only typed links nothing.
    4. Otherwise a new profile of the CRM's, its phone an unverified claim: where that phone is someone's, staff
       get a "possible same person" to review, and nobody gains anything.
    A profile linked to another customer of this same CRM is not given a second one (case 4 instead). Which ids
    are held and who holds each phone verified is read for the whole page at once (nothing in a page can make a
    phone verified, and a holder's own lock decides whether it takes a second id).
    """
    identities = {remote.crm_id: crm_identity(connector_name, remote.crm_id) for remote in remotes}
    phones = {remote.crm_id: crm_phone(remote.phone) for remote in remotes}
    held = set(session.scalars(sa.select(CustomerIdentity.value).where(
        CustomerIdentity.kind == CRM, CustomerIdentity.value.in_([i for i in identities.values() if i]))))
    holders: dict[str, list[int]] = {}
    for phone, customer_id in session.execute(sa.select(CustomerIdentity.value, CustomerIdentity.customer_id).where(
            CustomerIdentity.kind == PHONE, CustomerIdentity.verified.is_(True),
            CustomerIdentity.value.in_([p for p in phones.values() if p]))):
        holders.setdefault(phone, []).append(customer_id)
    linked = []
    for remote in remotes:
        identity, phone = identities[remote.crm_id], phones[remote.crm_id]
        facts = {k: v for k, v in (("full_name", remote.full_name), ("email", remote.email)) if v}
        verified_holder = holders.get(phone, [])
        if identity is None:
            linked.append(Linked(SKIPPED))
        elif identity in held:
            linked.append(Linked(BY_CRM_ID, crm_profile(session, connector_name, identity, phone=phone,
                                                        facts=facts).customer.ref))
        elif remote.ref and (ref := _attach_crm_id(session, _live_by_ref(session, remote.ref), connector_name,
                                                   identity, facts)):
            linked.append(Linked(BY_REF, ref))
        elif len(verified_holder) == 1 and (ref := _attach_crm_id(session, verified_holder[0], connector_name,
                                                                  identity, facts)):
            linked.append(Linked(BY_VERIFIED_PHONE, ref))
        else:
            made = crm_profile(session, connector_name, identity, phone=phone, facts=facts)
            linked.append(Linked(CREATED, made.customer.ref, echo=made.created and not made.merged_refs))
    return linked


def _live_by_ref(session: Session, ref: str) -> int | None:
    customer = session.scalar(sa.select(Customer).where(Customer.ref == ref))
    return live(customer).id if customer is not None else None


def _attach_crm_id(session: Session, customer_id: int | None, connector_name: str, identity: str,
                   facts: dict) -> str | None:
    """Add the CRM id to that profile (locked first) and return its ref, unless it is gone or holds another id of
    this CRM."""
    if customer_id is None:
        return None
    customer = session.scalar(
        sa.select(Customer).where(Customer.id == customer_id).options(selectinload(Customer.identities))
        .with_for_update(of=Customer).execution_options(populate_existing=True))
    prefix = f"{connector_name}:"
    if (customer is None or customer.merged_into_id is not None or customer.erased_at is not None
            or any(i.kind == CRM and i.value.startswith(prefix) for i in customer.identities)):
        return None
    locked_profiles(session).add(customer.id)
    customer.identities.append(CustomerIdentity(kind=CRM, value=identity, verified=True,
                                                source=f"crm:{connector_name}", created_at=clock.now()))
    apply_facts(customer, facts, BY_CRM, fill_only=True)  # what the profile holds is as new as the CRM's
    customer.updated_at = clock.now()
    publish_upsert(session, customer)
    return customer.ref
