"""Writing the audit log, in the same transaction as the action it records."""
from __future__ import annotations

from flask import g, has_request_context, request
from sqlalchemy.orm import Session

from .. import clock
from ..models.audit import AuditEntry


def record(session: Session, action: str, target_type: str | None = None, target_id=None, **detail) -> AuditEntry:
    """Append who did `action` to which record; the actor comes from the request's principal."""
    principal = g.get("principal") if has_request_context() else None
    entry = AuditEntry(
        actor_type=principal.kind if principal else "system",
        actor_id=principal.id if principal else None,
        actor_label=principal.label if principal else "system",
        action=action, target_type=target_type, target_id=None if target_id is None else str(target_id),
        detail=detail, ip=request.remote_addr if has_request_context() else None, at=clock.now())
    session.add(entry)
    return entry
