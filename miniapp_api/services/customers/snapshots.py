"""Plain-dict views of a profile: what the outbox carries and what the API shows."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ...clock import iso_utc
from ...models import Customer
from ...models.customer import CRM, PHONE, ZALO_APP, ZALO_OA
from .consents import current_consents
from .provenance import ATTRIBUTE, PROFILE_FIELDS, identity_from_trusted, self_provided


def customer_snapshot(session: Session, customer: Customer, consents: dict | None = None) -> dict:
    """The profile as integrators see it; phones in E.164, times in UTC ISO-8601. `consents`: the customer's
    `current_consents`, when the caller read them for many at once."""
    phones = sorted((i for i in customer.identities if i.kind == PHONE),
                    key=lambda i: (not i.verified, i.id is None, i.id or 0))  # not flushed yet: the newest
    app = customer.identity(ZALO_APP)
    oa = customer.identity(ZALO_OA)
    consents = current_consents(session, customer.id) if consents is None else consents
    return {
        "ref": customer.ref,
        "full_name": customer.full_name,
        "zalo_display_name": customer.zalo_display_name,
        "avatar_url": customer.avatar_url,
        "phone": phones[0].value if phones else None,
        "phones": [{"e164": i.value, "verified": i.verified} for i in phones],
        "email": customer.email,
        "province": customer.province,
        "address": customer.address,
        "attributes": dict(customer.attributes or {}),
        "zalo": {"app_user_id": app.value if app else None, "oa_user_id": oa.value if oa else None},
        "crm_ids": crm_ids(customer),
        "consents": {purpose: {"granted": r.granted, "version": r.version, "recorded_at": iso_utc(r.recorded_at)}
                     for purpose, r in consents.items()},
        "pipeline_status": customer.pipeline_status,
        "source": customer.source,
        "created_at": iso_utc(customer.created_at),
        "updated_at": iso_utc(customer.updated_at),
    }


def crm_ids(customer: Customer) -> dict[str, str]:
    """Connector name → the id that CRM gave this person: a connector updates that record, never makes another."""
    pairs = (i.value.partition(":") for i in customer.identities if i.kind == CRM)
    return {connector: crm_id for connector, _, crm_id in sorted(pairs)}


def own_snapshot(session: Session, customer: Customer, snapshot: dict | None = None) -> dict:
    """The profile as its Mini App user sees it: only what they provided through their own Zalo account.

    Fields, attributes and phones staff or a CRM set are left out (even after a verified merge with a CRM
    profile), and so is the sales pipeline stage. `snapshot`: the customer's `customer_snapshot`, when the
    caller built it already (publishing it).
    """
    view = dict(snapshot) if snapshot is not None else customer_snapshot(session, customer)
    for name in PROFILE_FIELDS:
        if not self_provided(customer, name):
            view[name] = None
    view["attributes"] = {k: v for k, v in view["attributes"].items() if self_provided(customer, ATTRIBUTE + k)}
    own = {i.value for i in customer.identities if i.kind == PHONE and (i.verified or not identity_from_trusted(i))}
    view["phones"] = [p for p in view["phones"] if p["e164"] in own]
    view["phone"] = view["phones"][0]["e164"] if view["phones"] else None
    del view["pipeline_status"], view["crm_ids"]
    return view
