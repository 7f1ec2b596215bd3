"""The profile a CRM's own customer id names: how an order's customer and an integrator's upsert find theirs.

A CRM's customer id is an identity of its own kind, scoped by connector (`<connector name>:<id>`): verified,
since only that CRM (through its connector's credentials) can name it. The phone the CRM holds is the CRM's
claim, not the person's: it is attached unverified, so it may link a profile staff can review but never gives a
Zalo user access to one nor merges it into a verified holder (docs/profiles.md).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from ...models.customer import BY_CRM, CRM, PHONE
from .profiles import Claim, Resolution, resolve_profile

MAX_IDENTITY = 64  # customer_identity.value


def crm_identity(connector_name: str, crm_customer_id: str) -> str | None:
    """`<connector>:<id>`, or None when it cannot be held (the caller then links another way or refuses)."""
    value = f"{connector_name}:{crm_customer_id}"
    return value if len(value) <= MAX_IDENTITY else None


def crm_profile(session: Session, connector_name: str, identity: str, *, phone: str | None = None,
                facts: dict | None = None) -> Resolution:
    """Find or make the profile of this CRM identity, with the CRM's phone and fields as the CRM's claims."""
    source = f"crm:{connector_name}"
    claims = [Claim(CRM, identity, True, source)]
    if phone:
        claims.append(Claim(PHONE, phone, False, source))
    return resolve_profile(session, claims, facts=facts, source="crm", origin=BY_CRM)
