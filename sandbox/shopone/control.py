"""Control endpoints of the emulator (not ShopOne's): faults, orders, what arrived. Under `/_sandbox/`."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

blp = Blueprint("shopone_control", __name__, url_prefix="/_sandbox")


def _state():
    return current_app.config["SHOPONE_STATE"]


@blp.post("/faults")
def set_faults():
    """e.g. {"fail_next": 3} · {"throttle_next": 1, "retry_after": 30} · {"hang_next": 1, "hang_seconds": 5}
    · {"drop_next": 1} · {"reject_refs": ["cus_…"]} · {"fail_item_refs": ["cus_…"]}"""
    try:
        _state().set_faults(**(request.get_json(silent=True) or {}))
    except (TypeError, ValueError) as exc:
        return jsonify({"error": str(exc)}), 422
    return jsonify(_state().faults)


@blp.post("/rotate-key")
def rotate_key():
    """Invalidate the API key in use (the product should pause the connector and say so)."""
    return jsonify({"api_key": _state().rotate_key()})


@blp.post("/release")
def release_hung():
    """Let hung requests finish now."""
    _state().release.set()
    return jsonify({"released": True})


@blp.post("/orders")
def put_orders():
    """Create or update orders: one object or a list; `updated_at` defaults to now."""
    body = request.get_json(silent=True)
    orders = body if isinstance(body, list) else [body]
    return jsonify([_state().put_order(order) for order in orders]), 201


@blp.post("/customers")
def add_customers():
    """The shop's own customers, as a CRM holds them before any connector: one object or a list."""
    body = request.get_json(silent=True)
    customers = body if isinstance(body, list) else [body]
    return jsonify([_state().add_native(customer) for customer in customers]), 201


@blp.get("/received")
def received():
    state = _state()
    with state.lock:
        return jsonify({"customers": state.customers, "submissions": state.submissions,
                        "applied": state.applied, "duplicates": state.duplicates})
