"""The ShopOne REST contract (docs/connectors/shopone.md), with the switched-on faults played first."""
from __future__ import annotations

import hmac

from flask import Blueprint, current_app, g, jsonify, request

from ..faults import drop_after, play
from .state import ShopOneState, parse_time

blp = Blueprint("shopone_api", __name__)
MAX_BATCH = 100


def _state() -> ShopOneState:
    return current_app.config["SHOPONE_STATE"]


def _problem(status: int, error: str, detail: str, **headers):
    response = jsonify({"error": error, "detail": detail})
    response.status_code = status
    response.headers.update(headers)
    return response


@blp.before_request
def _authenticate_and_play_faults():
    state = g.state = _state()  # a hung request keeps writing to the state it started with
    state.record({"method": request.method, "path": request.path, "args": request.args.to_dict(),
                  "idempotency_key": request.headers.get("Idempotency-Key"),
                  "body": request.get_json(silent=True)})
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {state.api_key}".encode()):
        return _problem(401, "unauthorized", "missing or wrong API key")
    return play(state, lambda status, detail, **headers: _problem(
        status, "internal" if status == 500 else "rate_limited", detail, **headers), state.take_fault())


blp.after_request(drop_after)  # accept-then-drop: the write is done, but the caller never hears back


def _key():
    key = request.headers.get("Idempotency-Key")
    return key.strip() if key and key.strip() else None


@blp.put("/customers/<ref>")
def put_customer(ref):
    key, body = _key(), request.get_json(silent=True)
    if key is None:
        return _problem(400, "idempotency_key_required", "send an Idempotency-Key header")
    if not isinstance(body, dict):
        return _problem(422, "validation_failed", "body must be a JSON object")
    status, answer = g.state.upsert_customer(key, ref, body)
    return jsonify(answer), status


@blp.post("/customers/<ref>/submissions")
def post_submission(ref):
    key, body = _key(), request.get_json(silent=True)
    if key is None:
        return _problem(400, "idempotency_key_required", "send an Idempotency-Key header")
    if not isinstance(body, dict) or "submission_ref" not in body:
        return _problem(422, "validation_failed", "body must be an object with submission_ref")
    status, answer = g.state.add_submission(key, ref, body)
    return jsonify(answer), status


@blp.post("/customers/batch")
def post_batch():
    items = (request.get_json(silent=True) or {}).get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
        return _problem(422, "validation_failed", f"items must be a list of 1 to {MAX_BATCH}")
    state = g.state
    results = []
    for item in items:
        ref, key = item.get("ref"), item.get("idempotency_key")
        with state.lock:
            fail_once = ref in state.fail_item_refs
            state.fail_item_refs.discard(ref)
        if fail_once:
            status, answer = 503, {"error": "unavailable", "detail": "sandbox: this item failed, retry it"}
        elif not (ref and key and isinstance(item.get("customer"), dict)):
            status, answer = 422, {"error": "validation_failed", "detail": "ref, idempotency_key, customer"}
        else:
            status, answer = state.upsert_customer(key, ref, item["customer"])
        results.append({**answer, "ref": ref, "idempotency_key": key, "status": status})
    return jsonify({"results": results})


@blp.get("/customers")
def list_customers():
    cursor, limit = request.args.get("cursor", "0"), request.args.get("limit", "50")
    if not (cursor.isdigit() and limit.isdigit() and 1 <= int(limit) <= MAX_BATCH):
        return _problem(422, "validation_failed", f"cursor must be one we gave and limit 1 to {MAX_BATCH}")
    rows, total = g.state.listing(int(cursor), int(limit))
    end = int(cursor) + len(rows)
    return jsonify({"data": rows, "next_cursor": str(end) if end < total else None, "total": total})


@blp.get("/orders")
def list_orders():
    try:
        updated_after = parse_time(request.args.get("updated_after", "1970-01-01T00:00:00Z"))
        limit = min(max(int(request.args.get("limit", 50)), 1), 100)
    except ValueError:
        return _problem(422, "validation_failed", "updated_after must be ISO-8601 and limit an integer")
    rows, has_more = g.state.orders_after(updated_after, request.args.get("cursor"), limit)
    return jsonify({"data": rows, "has_more": has_more})
