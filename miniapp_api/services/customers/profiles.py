"""Customer profiles: find-or-create by identities, merge duplicates, refuse unsafe merges.

Every Zalo, phone or CRM identifier a channel learns (Mini App session, form,
OA webhook, CRM order) is a claim. `resolve_profile` turns a set of claims
into exactly one live profile: it links to the profile the strongest claim
already points to and folds other matching profiles into it (keeping the
oldest ref, which CRMs already know) with an audit row. Two kinds of match
are never merged, but recorded as a "possible same person" conflict for
staff: profiles holding different verified identities of one kind, and an
unverified claim (a typed phone, an info card, a client-sent OA id) pointing
at a profile that holds a verified identity or anything staff or a CRM set.
So a typed phone attaches only where it conflicts with nothing and grants no
access (docs/profiles.md). Callers own the transaction.
"""
from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ...queue import enqueue_event, next_sequence

from ... import clock
from ...extensions import db
from ...models import Customer, CustomerIdentity, ProfileConflict, ProfileMerge
from ...models.customer import BY_CUSTOMER, CRM, EXCLUSIVE_KINDS, IDENTITY_KINDS, PHONE, ZALO_APP, ZALO_OA
from .provenance import PROFILE_FIELDS, apply_facts, has_trusted_fields, identity_from_trusted, take_over
from .snapshots import customer_snapshot

LOCKED_PROFILES = "locked_profiles"


@dataclasses.dataclass(frozen=True)
class Claim:
    """An identifier a channel says belongs to the person in front of it."""

    kind: str
    value: str
    verified: bool
    source: str

    @property
    def strength(self) -> int:
        order = {ZALO_APP: 0, ZALO_OA: 1, CRM: 2, PHONE: 3}
        return order[self.kind] + (0 if self.verified else 10)

    def describe(self) -> str:
        """Why two profiles were merged, as it travels to connectors: the kind, never the value."""
        return f"same {self.kind} via {self.source}"


@dataclasses.dataclass
class Resolution:
    """What `resolve_profile` did, for callers that report it."""

    customer: Customer
    created: bool = False
    changed: bool = False
    merged_refs: list[str] = dataclasses.field(default_factory=list)
    conflicts: list[str] = dataclasses.field(default_factory=list)
    snapshot: dict | None = None  # the profile as a caller published it in this transaction, if it did


def live(customer: Customer) -> Customer:
    """Follow merge tombstones to the profile that is in use now."""
    while customer.merged_into_id is not None:
        customer = customer.merged_into
    return customer


def find_customer(session: Session, kind: str, value: str) -> Customer | None:
    """The live profile an identity points to, if any."""
    identity = session.scalar(sa.select(CustomerIdentity).where(
        CustomerIdentity.kind == kind, CustomerIdentity.value == value))
    return live(identity.customer) if identity else None


def _namespace(identity: CustomerIdentity) -> str:
    """Identities comparable with each other: one kind, or one CRM's customer ids ("crm:<connector>")."""
    return f"{CRM}:{identity.value.partition(':')[0]}" if identity.kind == CRM else identity.kind


def _verified(customer: Customer) -> dict[str, set[str]]:
    held: dict[str, set[str]] = {}
    for identity in customer.identities:
        if identity.verified:
            held.setdefault(_namespace(identity), set()).add(identity.value)
    return held


def conflicting_kinds(a: Customer, b: Customer) -> list[str]:
    """Kinds for which both profiles hold verified identities with no value in common."""
    va, vb = _verified(a), _verified(b)
    shared = sorted(set(va) & set(vb), key=lambda ns: (IDENTITY_KINDS.index(ns.partition(":")[0]), ns))
    return [ns for ns in shared if not va[ns] & vb[ns]]


def is_guarded(customer: Customer) -> bool:
    """Holds something an unverified claim must not take over: a verified identity, or staff/CRM data."""
    return has_trusted_fields(customer) or any(i.verified or identity_from_trusted(i) for i in customer.identities)


def resolve_profile(session: Session, claims: list[Claim], *, facts: dict | None = None,
                    source: str = "miniapp", publish: bool = True, origin: str = BY_CUSTOMER) -> Resolution:
    """Find or create the one profile these claims describe, merging where safe.

    `facts` are profile fields from the same channel, written with `origin`
    (provenance: the customer, staff or a CRM). With `publish`, a changed
    profile queues `customer.upserted`; callers that change more in the same
    transaction publish once themselves at the end.
    """
    claims = sorted(set(claims), key=lambda c: (c.strength, c.kind, c.value))
    existing = _lock_profiles(session, claims)
    matched = [(claim, live(existing[(claim.kind, claim.value)].customer))
               for claim in claims if (claim.kind, claim.value) in existing]

    # The strongest claim anchors the profile: a new verified Zalo id starts a new
    # profile even when a weaker claim (a typed phone, a client-sent idByOA)
    # points elsewhere; that other profile is then merged in only if safe.
    if matched and matched[0][0] == claims[0]:
        resolution = Resolution(customer=matched[0][1])
    else:
        now = clock.now()
        customer = Customer(source=source, attributes={}, created_at=now, updated_at=now)
        session.add(customer)
        session.flush()
        locked_profiles(session).add(customer.id)  # nobody else sees it before commit
        resolution = Resolution(customer=customer, created=True, changed=True)

    # New identities first, so the conflict check below sees everything this person holds.
    for claim in claims:
        if (claim.kind, claim.value) not in existing:
            _attach(resolution, claim, None)
    if any(other is not resolution.customer for _, other in matched):
        session.flush()  # merging or recording a conflict needs the rows
    for claim, other in matched:
        _merge_or_report(session, resolution, other, claim)
    for claim in claims:
        if (claim.kind, claim.value) in existing:
            _attach(resolution, claim, existing[(claim.kind, claim.value)])

    if facts:
        resolution.changed |= apply_facts(resolution.customer, facts, origin)
    if resolution.changed:
        resolution.customer.updated_at = clock.now()
        if publish:
            resolution.snapshot = publish_upsert(session, resolution.customer)
    return resolution


def _lock_profiles(session: Session, claims: list[Claim]) -> dict:
    """The stored identities the claims name, by (kind, value); their profiles are locked until commit.

    One statement locks the profiles (PostgreSQL `FOR UPDATE`; on SQLite the
    transaction holds the writer lock already), a second reads all their
    identities after the lock: what is loaded here stays current until commit,
    so `publish_upsert` snapshots these profiles without reading them again.
    """
    if not claims:
        return {}
    pairs = [sa.and_(CustomerIdentity.kind == c.kind, CustomerIdentity.value == c.value) for c in claims]
    holders = sa.select(CustomerIdentity.customer_id).where(sa.or_(*pairs))
    customers = session.scalars(
        sa.select(Customer).where(Customer.id.in_(holders)).options(selectinload(Customer.identities))
        .with_for_update(of=Customer).execution_options(populate_existing=True)).all()
    locked_profiles(session).update(customer.id for customer in customers)
    wanted, existing = {(c.kind, c.value) for c in claims}, {}
    for customer in customers:
        for identity in customer.identities:
            set_committed_value(identity, "customer", customer)  # known: no query when it is followed
            if (identity.kind, identity.value) in wanted:
                existing[(identity.kind, identity.value)] = identity
    return existing


def locked_profiles(session: Session) -> set[int]:
    """Ids of the profiles this transaction locked and loaded afresh (`_lock_profiles`); emptied at its end."""
    return session.info.setdefault(LOCKED_PROFILES, set())


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_locks(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction: its locks are gone
        session.info.pop(LOCKED_PROFILES, None)


def _merge_or_report(session: Session, resolution: Resolution, other: Customer, claim: Claim) -> None:
    primary = resolution.customer
    if other.id == primary.id:
        return
    conflicts = conflicting_kinds(primary, other)
    unsafe_claim = not claim.verified and is_guarded(other)
    if conflicts or unsafe_claim:
        detail = ("verified identities differ: " + ", ".join(conflicts) if conflicts else
                  f"unverified {claim.kind} from {claim.source} matches a profile with verified or staff/CRM data")
        record_conflict(session, primary, other, ",".join(conflicts) or claim.kind, detail,
                        claim={"kind": claim.kind, "value": claim.value, "source": claim.source,
                               "verified": claim.verified, "claimed_by": primary.ref})
        resolution.conflicts.extend(conflicts or [claim.kind])
        return
    survivor, merged = (primary, other) if primary.id < other.id else (other, primary)
    merge_profiles(session, survivor, merged, claim.describe())
    resolution.customer = survivor
    resolution.changed = True
    resolution.merged_refs.append(merged.ref)


def record_conflict(session: Session, a: Customer, b: Customer, kind: str, detail: str,
                    claim: dict | None = None) -> None:
    """Queue "possible same person" for staff, once per pair (a pair staff kept apart stays apart)."""
    low, high = sorted((a, b), key=lambda c: c.id)
    already = session.scalar(sa.select(ProfileConflict.id).where(
        ProfileConflict.customer_id == low.id, ProfileConflict.other_customer_id == high.id,
        sa.or_(ProfileConflict.resolved_at.is_(None), ProfileConflict.resolution == "dismissed")))
    if already is None:
        session.add(ProfileConflict(customer_id=low.id, other_customer_id=high.id, kind=kind, detail=detail,
                                    claim=claim, created_at=clock.now()))


def _attach(resolution: Resolution, claim: Claim, identity: CustomerIdentity | None) -> None:
    customer = resolution.customer
    taking_over = identity is not None and live(identity.customer).id != customer.id
    if taking_over and not (claim.verified and not identity.verified):
        return  # held by a profile we refused to merge with: the conflict is recorded
    if (identity is None or taking_over) and claim.kind in EXCLUSIVE_KINDS:
        held = customer.identity(claim.kind)
        if held is not None and held.value != claim.value:
            resolution.conflicts.append(claim.kind)
            return
    if identity is None:
        customer.identities.append(CustomerIdentity(kind=claim.kind, value=claim.value, verified=claim.verified,
                                                    source=claim.source, created_at=clock.now()))
        resolution.changed = True
        return
    if taking_over:
        # Zalo's word beats a typed one: a verified claim takes the identity from a profile that only claimed it.
        identity.customer = customer
    if claim.verified and not identity.verified:
        identity.verified = True
        identity.source = claim.source
        resolution.changed = True


def merge_profiles(session: Session, survivor: Customer, merged: Customer, reason: str) -> ProfileMerge:
    """Fold `merged` into `survivor`: everything that points at a customer moves; a tombstone stays."""
    conflicts = conflicting_kinds(survivor, merged)
    if conflicts:
        raise MergeConflict(conflicts)
    moved = [{"kind": i.kind, "value": i.value, "verified": i.verified} for i in merged.identities]
    for identity in list(merged.identities):
        identity.customer = survivor
    session.flush()
    repoint_customer_rows(session, merged.id, survivor.id)
    if survivor.pipeline_status == "new" and merged.pipeline_status != "new":
        survivor.pipeline_status = merged.pipeline_status
    take_over(survivor, merged)
    merged.merged_into_id = survivor.id
    merged.updated_at = survivor.updated_at = clock.now()
    record = ProfileMerge(survivor_id=survivor.id, merged_id=merged.id, reason=reason,
                          moved_identities=moved, created_at=clock.now())
    session.add(record)
    session.flush()
    session.expire(merged, ["merged_into"])
    enqueue_event(session, "customer.merged", "customer", survivor.ref,
                  {"survivor_ref": survivor.ref, "merged_ref": merged.ref, "reason": reason})
    return record


# Columns that record history about a profile and must keep pointing at the profile they name.
MERGE_KEEPS = {("customer", "merged_into_id"), ("profile_merge", "survivor_id"), ("profile_merge", "merged_id"),
               ("profile_conflict", "customer_id"), ("profile_conflict", "other_customer_id")}


def customer_columns() -> list[sa.Column]:
    """Every column in the schema that references `customer.id`, found from the metadata.

    Tables added later (by any feature) follow merges and erasure without being listed anywhere.
    """
    return [column for table in db.metadata.sorted_tables for column in table.columns
            if any(fk.column.table.name == "customer" for fk in column.foreign_keys)]


def repoint_customer_rows(session: Session, old_id: int, new_id: int) -> None:
    """Move every row of `old_id` to `new_id`. Where that would duplicate a primary key (a tag), the old row goes;
    where it would duplicate a unique key (both profiles in one campaign or journey), the old row stays with the
    merged profile, as history its feature knows to skip (it follows `merged_into`)."""
    for column in customer_columns():
        table = column.table
        if (table.name, column.name) in MERGE_KEEPS:
            continue
        others = [c for c in table.primary_key.columns if c is not column]
        if column.primary_key and others:
            session.execute(table.delete().where(column == old_id, _twin_exists(column, others, new_id)))
        stays = [_twin_exists(column, [c for c in unique.columns if c is not column], new_id)
                 for unique in table.constraints
                 if isinstance(unique, sa.UniqueConstraint) and unique.columns.contains_column(column)
                 and len(unique.columns) > 1]
        session.execute(table.update().where(column == old_id, *(~clash for clash in stays))
                        .values({column.name: new_id}))
    _expire_moved(session, old_id)


def _twin_exists(column: sa.Column, others: list[sa.Column], new_id: int):
    """A row of the same table already holding `new_id` with the same values in `others`."""
    twin = column.table.alias("twin")
    return sa.exists().where(twin.c[column.name] == new_id, *(twin.c[c.name] == c for c in others))


def _expire_moved(session: Session, old_id: int) -> None:
    """Loaded objects still holding `old_id` reload it, so the session never sees stale links."""
    keys = {(c.table.name, c.name) for c in customer_columns()} - MERGE_KEEPS
    for obj in list(session.identity_map.values()):
        table = getattr(type(obj), "__table__", None)
        for table_name, name in keys:
            if table is not None and table.name == table_name and obj.__dict__.get(name) == old_id:
                if table.c[name].primary_key:
                    session.expunge(obj)  # its identity changed (or the row is gone): forget it
                    break
                session.expire(obj, [name])


class MergeConflict(Exception):
    """The two profiles hold different verified identities of the same kind and cannot be merged."""

    def __init__(self, kinds: list[str]):
        super().__init__(f"conflicting verified identities: {', '.join(kinds)}")
        self.kinds = kinds


def publish_upsert(session: Session, customer: Customer, *, sequence: int | None = None) -> dict:
    """Queue the current state of a profile for the CRM sync (same transaction); returns that snapshot.

    The version is taken first (or by the caller, as `sequence`): it locks the
    customer's row, and the snapshot holds what every earlier writer of this
    customer committed, so the highest version is the latest state. A profile
    `resolve_profile` locked and loaded in this transaction is current already;
    any other is read afresh after the lock.
    """
    version = next_sequence(session, "customer", customer.ref) if sequence is None else sequence
    if customer.id not in locked_profiles(session):
        session.flush()  # (expiring would drop changes not written yet)
        for identity in customer.identities:
            session.expire(identity)
        session.expire(customer)
    snapshot = customer_snapshot(session, customer)
    enqueue_event(session, "customer.upserted", "customer", customer.ref, snapshot, sequence=version)
    return snapshot
