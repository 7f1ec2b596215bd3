"""The change feed open consoles poll for live updates (docs/console/live.md).

Every role reads it (an API key needs `conversations:read`); an agent only
hears of conversations they may read, or that were just taken from them. A
change carries ids only: the console fetches what changed through the usual
routes, which apply the usual rules.
"""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from ...extensions import db
from ...models.staff import AGENT, ROLES
from ...schemas.changes import ChangesPage, ChangesQuery
from ...services.live import changes
from .access import STAFF_SECURITY, current, require

blp = Blueprint("admin_changes", __name__, url_prefix="/api/v1/admin", description="Live changes (consoles)")


@blp.route("/changes")
@require(roles=ROLES, scope="conversations:read")
@blp.arguments(ChangesQuery, location="query")
@blp.response(200, ChangesPage)
@blp.doc(security=STAFF_SECURITY)
def list_changes(query):
    """What changed in the inbox after `after`; answers at once (poll about once a second)."""
    principal = current()
    agent_id = principal.id if principal.role == AGENT else None
    return changes.read(db.session, query.get("after"), agent_id=agent_id, shared=changes.answers(current_app))
