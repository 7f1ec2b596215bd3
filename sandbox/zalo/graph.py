"""Zalo Graph as a Mini App backend sees it: `/v2.0/me` and `/v2.0/me/info`.

Shapes from the reference (§4): `/me` answers flat (`id`, `name`, `picture`),
`/me/info` under `data`, and every refusal is HTTP 200 with `error != 0`.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, current_app, jsonify, request

blp = Blueprint("graph", __name__)

INVALID_SESSION = 452  # "Invalid session key" (reference §4)
BAD_PROOF = -242
BAD_PARAMS = -201


def _state():
    return current_app.config["ZALO_STATE"]


def _error(code: int, message: str):
    return jsonify({"error": code, "message": message})


def _user_for_token(token: str | None):
    """(user, None) for a live token, else (None, error response)."""
    state = _state()
    with state.lock:
        entry = state.access_tokens.get(token or "")
        if entry is None:
            return None, _error(INVALID_SESSION, "Invalid session key")
        user_id, expires_at = entry
        if state.clock() >= expires_at:
            return None, _error(INVALID_SESSION, "Access token has expired")
        return state.users[user_id], None


@blp.get("/v2.0/me")
def me():
    state = _state()
    token = request.headers.get("access_token")
    proof = request.headers.get("appsecret_proof")
    if proof is not None:
        expected = hmac.new(state.app_secret.encode(), (token or "").encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(proof, expected):
            return _error(BAD_PROOF, "Invalid appsecret_proof")
    user, error = _user_for_token(token)
    if error is not None:
        return error
    wanted = set((request.args.get("fields") or "id").split(","))
    body = {"id": user.app_user_id}
    if "name" in wanted:
        body["name"] = user.name
    if "picture" in wanted:
        body["picture"] = {"data": {"url": user.avatar or f"https://s120-ava-talk.zadn.vn/sandbox/{user.app_user_id}.jpg"}}
    body.update({"error": 0, "message": "Success"})
    return jsonify(body)


@blp.get("/v2.0/me/info")
def me_info():
    state = _state()
    if not hmac.compare_digest((request.headers.get("secret_key") or "").encode(), state.app_secret.encode()):
        return _error(BAD_PARAMS, "Invalid secret_key")
    user, error = _user_for_token(request.headers.get("access_token"))
    if error is not None:
        return error
    code = request.headers.get("code") or ""
    with state.lock:
        entry = state.phone_codes.pop(code, None)  # single use, even when it fails below
    if entry is None:
        return _error(BAD_PARAMS, "Invalid or already used code")
    owner, expires_at = entry
    if owner != user.app_user_id or state.clock() >= expires_at:
        return _error(BAD_PARAMS, "Code is expired or does not belong to this user")
    if not user.phone:
        return _error(BAD_PARAMS, "User has not shared a phone number")
    return jsonify({"data": {"number": user.phone}, "error": 0, "message": "Success"})
