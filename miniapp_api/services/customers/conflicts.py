"""The "possible same person" queue: profile conflicts staff list and resolve (merge, or keep apart).

Conflicts are recorded by `profiles.resolve_profile` when two profiles look
like one person but must not be merged automatically. Staff decide: merging
folds one into the other with the usual guard (two different verified
identities of a kind never merge), dismissing keeps them apart for good (the
same pair is not queued again). Callers own the transaction and the audit row.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import Customer, ProfileConflict
from .staff_edits import CustomerError, admin_view, manual_merge

OPEN, RESOLVED, ALL = "open", "resolved", "all"
MERGE, DISMISS = "merge", "dismiss"
RESOLUTION = {MERGE: "merged", DISMISS: "dismissed"}


def list_conflicts(session: Session, status: str, limit: int, before_id: int | None = None
                   ) -> tuple[list[ProfileConflict], int | None]:
    """One page, newest first; the id to continue before when there is more."""
    query = sa.select(ProfileConflict).order_by(ProfileConflict.id.desc()).limit(limit + 1)
    if status == OPEN:
        query = query.where(ProfileConflict.resolved_at.is_(None))
    elif status == RESOLVED:
        query = query.where(ProfileConflict.resolved_at.is_not(None))
    if before_id is not None:
        query = query.where(ProfileConflict.id < before_id)
    rows = list(session.scalars(query))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def conflict_pair(session: Session, conflict: ProfileConflict) -> list[Customer]:
    """The two profiles, older first (as recorded, even if one was merged or erased since)."""
    return [session.get(Customer, conflict.customer_id), session.get(Customer, conflict.other_customer_id)]


def conflict_view(session: Session, conflict: ProfileConflict) -> dict:
    """The conflict with both profiles as staff see them, so they can compare before deciding."""
    first, second = conflict_pair(session, conflict)
    return {"id": conflict.id, "kind": conflict.kind, "detail": conflict.detail, "claim": conflict.claim,
            "created_at": conflict.created_at, "resolved_at": conflict.resolved_at,
            "resolution": conflict.resolution, "resolved_by": conflict.resolved_by,
            "customer": admin_view(session, first), "other_customer": admin_view(session, second)}


def resolve_conflict(session: Session, conflict: ProfileConflict, action: str, *, by: str,
                     survivor_ref: str | None = None) -> Customer | None:
    """Merge the two profiles or keep them apart; returns the survivor of a merge."""
    if conflict.resolved_at is not None:
        raise CustomerError(409, f"Conflict {conflict.id} was resolved already ({conflict.resolution}).")
    pair = conflict_pair(session, conflict)
    survivor = None
    if action == MERGE:
        survivor = pair[0] if survivor_ref is None else next((c for c in pair if c.ref == survivor_ref), None)
        if survivor is None:
            raise CustomerError(422, "survivor_ref must be the ref of one of the two profiles.")
        manual_merge(session, survivor, pair[1] if survivor is pair[0] else pair[0])
    conflict.resolved_at, conflict.resolution, conflict.resolved_by = clock.now(), RESOLUTION[action], by
    session.flush()
    return survivor
