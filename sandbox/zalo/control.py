"""Control endpoints of the emulator (not Zalo's): create test users, mint tokens, read what arrived.

Used by tests, by `make run`'s development adapter of the Mini App page, and
by developers with curl. Everything lives under `/_sandbox/`.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from . import window
from .state import random_mobile_phone

blp = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")


def _state():
    return current_app.config["ZALO_STATE"]


@blp.after_request
def _cors(response):
    """The Mini App's development adapter calls these from the browser."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    return response


@blp.route("/users", methods=["POST", "OPTIONS"])
def create_user():
    if request.method == "OPTIONS":
        return "", 204
    body = request.get_json(silent=True) or {}
    # No `phone` key: a random valid mobile, so unrelated test users never merge; `"phone": null`: none.
    phone = body["phone"] if "phone" in body else random_mobile_phone()
    user = _state().create_user(name=body.get("name") or "Khách Sandbox", phone=phone,
                                app_user_id=body.get("app_user_id"), oa_user_id=body.get("oa_user_id"),
                                avatar=body.get("avatar"))
    return jsonify(user.public()), 201


@blp.get("/users")
def list_users():
    with _state().lock:
        return jsonify([u.public() for u in _state().users.values()])


@blp.route("/users/<app_user_id>/access-token", methods=["POST", "OPTIONS"])
def access_token(app_user_id):
    """What zmp-sdk `getAccessToken()` would give this user inside Zalo."""
    if request.method == "OPTIONS":
        return "", 204
    state = _state()
    if app_user_id not in state.users:
        return jsonify({"error": "unknown user"}), 404
    expires_in = float((request.get_json(silent=True) or {}).get("expires_in", 3600))
    return jsonify({"access_token": state.issue_access_token(app_user_id, expires_in), "expires_in": expires_in})


@blp.route("/users/<app_user_id>/phone-code", methods=["POST", "OPTIONS"])
def phone_code(app_user_id):
    """What zmp-sdk `getPhoneNumber()` would give: a single-use token for /v2.0/me/info."""
    if request.method == "OPTIONS":
        return "", 204
    state = _state()
    if app_user_id not in state.users:
        return jsonify({"error": "unknown user"}), 404
    return jsonify({"token": state.issue_phone_code(app_user_id)})


@blp.get("/requests")
def requests_seen():
    with _state().lock:
        return jsonify(list(_state().requests))


@blp.post("/oa/token")
def oa_token():
    """Mint an OA access/refresh pair, as the API Explorer would (to seed `flask zalo set-token`)."""
    expires_in = int((request.get_json(silent=True) or {}).get("expires_in", 90000))
    access, refresh = _state().issue_oa_tokens(expires_in)
    return jsonify({"access_token": access, "refresh_token": refresh, "expires_in": str(expires_in),
                    "refresh_token_expires_in": str(_state().refresh_token_lifetime)})


@blp.post("/oa/faults")
def oa_fault():
    """Make the next `times` calls to `path` fail with Zalo error `code`, or (`hang_seconds`) take effect and
    then hold the answer that long or until `POST /_sandbox/oa/release`: the caller never learns the outcome."""
    body = request.get_json(silent=True) or {}
    fault = {"path": body["path"], "times": int(body.get("times", 1))}
    if body.get("hang_seconds") is not None:
        fault["hang_seconds"] = float(body["hang_seconds"])
    else:
        fault["code"] = int(body["code"])
    with _state().lock:
        _state().release.clear()
        _state().faults.append(fault)
    return jsonify({"queued": True}), 201


@blp.post("/oa/release")
def oa_release():
    """Answer every call held by a `hang_seconds` fault now."""
    _state().release.set()
    return jsonify({"released": True})


@blp.get("/oa/messages")
def oa_messages():
    """CS messages the OA sent, oldest first."""
    with _state().lock:
        return jsonify(list(_state().sent_messages))


@blp.post("/oa/window")
def oa_window():
    """Window and quota switches (window.py): `free_replies` (int, or null for unlimited), `follow_opens_window`,
    `zca` (linked | missing → -320 | no_funds → -321 on paid messages), `package_quota`."""
    state = _state()
    try:
        with state.lock:
            state.window.configure(request.get_json(silent=True) or {})
    except (TypeError, ValueError) as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify(state.window.public())


@blp.post("/oa/revoke")
def oa_revoke():
    """The OA admin removes the app: every OA token answers -216 from now on; the `permission_revoked` event is
    returned, and delivered to the webhook URL when one is set (`{"deliver": false}` to only return it)."""
    from .simulator import deliver

    state = _state()
    event = window.revoke(state)
    delivered = None
    if (request.get_json(silent=True) or {}).get("deliver", True) and state.webhook_url:
        delivered = deliver(state, event)
    return jsonify({"revoked": True, "event": event, "delivered": delivered})
