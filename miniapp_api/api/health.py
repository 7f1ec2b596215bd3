"""Liveness and readiness probes for load balancers and orchestrators."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from ..extensions import db
from ..services.oa import channel
from ..storage import probe_writes, recent_fault, unavailable_response

blp = Blueprint("health", __name__, description="Process and dependency health")


@blp.route("/healthz")
@blp.response(200, description="The process is up")
def healthz():
    return {"status": "ok"}


@blp.route("/readyz")
@blp.response(200, description="The database takes writes")
@blp.alt_response(503, description="The database does not answer or cannot take writes (disk full, read-only)")
def readyz():
    """Ready when a write would go through: a probe row is written and rolled back. After a request met a
    storage fault, not ready for `Retry-After` seconds, since the probe cannot see every way a disk is full.
    `oa_channel` says whether OA sending is paused and why (docs/oa.md, "Channel pause and resume")."""
    reason = recent_fault(current_app) or probe_writes(db.session)
    if reason:
        return unavailable_response(reason, title="Not Ready")
    # A paused OA channel does not make the process unready (it serves everything else); it is shown for operators.
    oa_channel = channel.status(db.session, str(current_app.config.get("ZALO_OA_ID") or ""))
    db.session.rollback()
    return {"status": "ready", "oa_channel": oa_channel}
