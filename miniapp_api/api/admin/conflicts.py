"""The "possible same person" queue for staff: list profile conflicts, merge or keep apart (audited)."""
from __future__ import annotations

from flask_smorest import Blueprint

from ...errors import Problem, ValidationProblem
from ...extensions import db
from ...models import ProfileConflict
from ...models.staff import ADMIN, OWNER, VIEWER
from ...schemas.conflicts import ConflictListQuery, ConflictPage, ConflictSchema, ResolveRequest
from ...services import audit
from ...services.customers.conflicts import conflict_pair, conflict_view, list_conflicts, resolve_conflict
from ...services.customers.staff_edits import CustomerError
from ...services.transactions import run_in_transaction
from .access import STAFF_SECURITY, current, require
from .customer_access import MAX_ID

blp = Blueprint("admin_conflicts", __name__, url_prefix="/api/v1/admin",
                description="Profile conflicts: possible same person, for staff to merge or keep apart")


@blp.route("/profile-conflicts")
@require(roles=(OWNER, ADMIN, VIEWER))
@blp.arguments(ConflictListQuery, location="query")
@blp.response(200, ConflictPage)
@blp.doc(security=STAFF_SECURITY)
def list_profile_conflicts(query):
    """Conflicts (open by default), newest first, each with both profiles; paged with `cursor`."""
    rows, next_id = list_conflicts(db.session, query["status"], query["limit"],
                                   int(query["cursor"]) if "cursor" in query else None)
    return {"items": [conflict_view(db.session, c) for c in rows],
            "next_cursor": str(next_id) if next_id is not None else None}


@blp.route("/profile-conflicts/<int:conflict_id>/resolve", methods=["POST"])
@require(roles=(OWNER, ADMIN))
@blp.arguments(ResolveRequest)
@blp.response(200, ConflictSchema)
@blp.alt_response(404, description="No such conflict")
@blp.alt_response(409, description="Resolved already, a profile was merged or erased, or the merge is refused")
@blp.doc(security=STAFF_SECURITY)
def resolve(body, conflict_id):
    """Merge the two profiles (into `survivor_ref`, default the older) or dismiss: keep them apart for good."""
    def work():
        conflict = db.session.get(ProfileConflict, conflict_id) if 0 < conflict_id <= MAX_ID else None
        if conflict is None:
            raise Problem(404, f"No profile conflict {conflict_id}.", title="Not Found")
        try:
            survivor = resolve_conflict(db.session, conflict, body["action"], by=current().label,
                                        survivor_ref=body.get("survivor_ref"))
        except CustomerError as exc:
            if exc.status == 422:
                raise ValidationProblem({"survivor_ref": [str(exc)]}) from exc
            raise Problem(exc.status, str(exc)) from exc
        audit.record(db.session, "profile_conflict.resolve", "profile_conflict", conflict.id,
                     decision=body["action"], customer_refs=[c.ref for c in conflict_pair(db.session, conflict)],
                     survivor_ref=survivor.ref if survivor else None)
        return conflict.id

    conflict_id = run_in_transaction(db.session, work)
    return conflict_view(db.session, db.session.get(ProfileConflict, conflict_id))
