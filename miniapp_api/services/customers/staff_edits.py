"""Staff changes to customer profiles: edits, manual merges, tags and the pipeline.

Callers own the transaction; each function leaves the profile consistent and
queues what must follow it (the CRM snapshot, OA tag calls).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import Customer, CustomerIdentity, CustomerTag, OaContact, PipelineChange, Tag
from ...models.customer import BY_STAFF, PHONE
from ..journeys import triggers as journeys
from ..journeys.definitions import STAGE_CHANGED, TAG_ADDED
from ..oa.tags import queue_tag_mirror
from .phones import normalize_phone
from .profiles import MergeConflict, find_customer, merge_profiles, publish_upsert
from .provenance import ATTRIBUTE, set_field
from .snapshots import customer_snapshot

EDITABLE = ("full_name", "email", "province", "address")


class CustomerError(Exception):
    """A change staff asked for that cannot be made; `status` is the HTTP answer."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status


def admin_view(session: Session, customer: Customer) -> dict:
    """The snapshot integrators see, plus what staff work with: tags, pipeline, activity, erasure."""
    view = customer_snapshot(session, customer)
    view["tags"] = tag_names(session, customer.id)
    view["pipeline_status"] = customer.pipeline_status
    view["last_interaction_at"] = session.scalar(sa.select(sa.func.max(OaContact.last_interaction_at))
                                                 .where(OaContact.customer_id == customer.id))
    view["erased_at"] = customer.erased_at
    view["merged_into"] = customer.merged_into.ref if customer.merged_into_id else None
    return view


def tag_names(session: Session, customer_id: int) -> list[str]:
    return list(session.scalars(sa.select(Tag.name).join(CustomerTag, CustomerTag.tag_id == Tag.id)
                                .where(CustomerTag.customer_id == customer_id).order_by(Tag.name)))


def update_customer(session: Session, customer: Customer, changes: dict) -> list[str]:
    """Apply staff edits, marked as staff's (a customer's typed values never overwrite them); returns the names
    of the fields that changed (never their values)."""
    changed = []
    for name in EDITABLE:
        if name in changes:
            value = changes[name] or None
            if name == "email" and value:
                value = value.strip().lower()
            if set_field(customer, name, value, BY_STAFF):
                changed.append(name)
    if "attributes" in changes:
        edits = [set_field(customer, ATTRIBUTE + k, v, BY_STAFF) for k, v in changes["attributes"].items()]
        if any(edits):
            changed.append("attributes")
    if "phone" in changes and _set_phone(session, customer, changes["phone"]):
        changed.append("phone")
    if changed:
        customer.updated_at = clock.now()
        session.flush()
        publish_upsert(session, customer)
    return changed


def _set_phone(session: Session, customer: Customer, raw: str | None) -> bool:
    """Staff-typed phones replace earlier unverified ones; phones Zalo verified are kept."""
    value = normalize_phone(raw) if raw else None
    if value:
        holder = find_customer(session, PHONE, value)
        if holder is not None and holder.id != customer.id:
            raise CustomerError(409, f"{value} belongs to customer {holder.ref}; merge the two profiles instead.")
    stale = [i for i in customer.identities if i.kind == PHONE and not i.verified and i.value != value]
    for identity in stale:
        customer.identities.remove(identity)
        session.delete(identity)
    added = value is not None and not any(i.kind == PHONE and i.value == value for i in customer.identities)
    if added:
        customer.identities.append(CustomerIdentity(kind=PHONE, value=value, verified=False, source="staff",
                                                    created_at=clock.now()))
    session.flush()
    return bool(stale) or added


def manual_merge(session: Session, survivor: Customer, other: Customer) -> None:
    """Fold `other` into `survivor` at staff's request, with the automatic merges' conflict guard."""
    if other.id == survivor.id:
        raise CustomerError(422, "A profile cannot be merged into itself.")
    for customer in (survivor, other):
        if customer.merged_into_id is not None or customer.erased_at is not None:
            raise CustomerError(409, f"{customer.ref} was merged or erased; only live profiles merge.")
    try:
        merge_profiles(session, survivor, other, "manual merge by staff")
    except MergeConflict as exc:
        raise CustomerError(409, f"Both profiles hold different verified identities of kind "
                                 f"{', '.join(exc.kinds)}; they look like two people.") from exc
    publish_upsert(session, survivor)


def get_tag(session: Session, name: str) -> Tag:
    tag = session.scalar(sa.select(Tag).where(Tag.name == name))
    if tag is None:
        raise CustomerError(404, f"No tag named {name!r}; create it first (POST /api/v1/admin/tags).")
    return tag


def set_tag(session: Session, customer: Customer, tag: Tag, present: bool, *, mirror: bool = True) -> bool:
    """Add or remove a tag; a real change is mirrored to the OA (unless it came from the OA: `mirror=False`).
    Returns whether anything changed."""
    row = session.get(CustomerTag, (customer.id, tag.id))
    if (row is not None) == present:
        return False
    if present:
        session.add(CustomerTag(customer_id=customer.id, tag_id=tag.id, created_at=clock.now()))
        journeys.fire(session, TAG_ADDED, customer.id, value=tag.name, occurrence=f"{tag.name}:{clock.now().isoformat()}",
                      context={"tag": tag.name})
    else:
        session.delete(row)
    session.flush()
    if mirror:
        queue_tag_mirror(session, customer, tag.name, present)
    return True


def move_pipeline(session: Session, customer: Customer, status: str, staff_id: int | None) -> bool:
    """Move the customer to `status` with a history row; any move is allowed (staff correct mistakes)."""
    if customer.pipeline_status == status:
        return False
    session.add(PipelineChange(customer_id=customer.id, from_status=customer.pipeline_status, to_status=status,
                               staff_id=staff_id, at=clock.now()))
    customer.pipeline_status = status
    customer.updated_at = clock.now()
    session.flush()
    publish_upsert(session, customer)  # CRMs see the lead stage too
    journeys.fire(session, STAGE_CHANGED, customer.id, value=status, occurrence=f"{status}:{clock.now().isoformat()}",
                  context={"stage": status})
    return True


def pipeline_history(session: Session, customer_id: int) -> list[PipelineChange]:
    return list(session.scalars(sa.select(PipelineChange).where(PipelineChange.customer_id == customer_id)
                                .order_by(PipelineChange.at, PipelineChange.id)))
