"""Liveness and readiness probes for load balancers and orchestrators."""
from __future__ import annotations

import sqlalchemy as sa
from flask_smorest import Blueprint

from ..errors import Problem
from ..extensions import db

blp = Blueprint("health", __name__, description="Process and dependency health")


@blp.route("/healthz")
@blp.response(200, description="The process is up")
def healthz():
    return {"status": "ok"}


@blp.route("/readyz")
@blp.response(200, description="The database answers")
@blp.alt_response(503, description="The database does not answer")
def readyz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        raise Problem(503, f"database unreachable: {type(exc).__name__}", title="Not Ready") from exc
    return {"status": "ready"}
