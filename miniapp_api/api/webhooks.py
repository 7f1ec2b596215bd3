"""`POST /webhooks/zalo`: the OA webhook. Verify, store, answer 200 fast.

Nothing here calls out or does heavy work: Zalo wants an answer within ~2 s
and resends otherwise. The one write goes to the ingest store, which no other
writer holds for long (`ingest_store`); the worker moves and processes what
was stored. Old timestamps are accepted on purpose: a legitimate resend can
be hours old.
"""
from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from ..errors import Problem
from ..ingest_store import ingest_engine
from ..services.oa.webhook_inbox import store_event
from ..zalo import signature

blp = Blueprint("webhooks", __name__, url_prefix="/webhooks", description="Events pushed by Zalo")


@blp.route("/zalo", methods=["POST"])
@blp.response(200, description="Stored (or already stored)")
@blp.alt_response(400, description="The body is not a JSON event")
@blp.alt_response(401, description="Missing or wrong X-ZEvent-Signature")
@blp.alt_response(413, description="Body over MAX_CONTENT_LENGTH")
@blp.doc(parameters=[{"in": "header", "name": signature.HEADER, "required": True, "schema": {"type": "string"},
                      "description": "mac=sha256_hex(app_id + raw body + timestamp + OA secret key)"}])
def zalo_event():
    """Receive one OA event signed with the OA secret key."""
    header = request.headers.get(signature.HEADER)
    if not header:
        raise Problem(401, f"Missing {signature.HEADER} header.", title="Unauthorized")
    raw = request.get_data(cache=True)  # 413 beyond MAX_CONTENT_LENGTH
    payload = request.get_json(force=True)  # decoded once (api/edge.py); refused: 400 saying why
    if not isinstance(payload, dict) or not isinstance(payload.get("event_name"), str):
        raise Problem(400, "The body is not a Zalo event (no event_name).", title="Bad Request")
    secret = current_app.config.get("ZALO_OA_SECRET_KEY") or ""
    if not signature.is_valid(header, str(payload.get("app_id") or ""), raw, str(payload.get("timestamp") or ""),
                              secret):
        current_app.logger.warning("webhook signature mismatch for event %s", payload.get("event_name"))
        raise Problem(401, "Signature does not match.", title="Unauthorized")
    stored = store_event(ingest_engine(), raw, payload)
    return {"status": "stored" if stored else "duplicate"}
