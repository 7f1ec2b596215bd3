"""`POST /v3.0/oa/message/cs/miniapp`: a Mini App message to a user, as the OA documentation describes it.

Besides the OA `access_token`, Zalo requires the header `miniapp_messsage_token`
(three s's, as documented): a token the Mini App receives, valid 7 days, when
the user taps its function-button widget (zmp-sdk `showFunctionButtonWidget`),
and `recipient.user_id` must be the user who interacted with the Mini App.
The body is `{"recipient": {"user_id"}, "message": {"template_type",
"template_data"}}` (`shapes.check_miniapp_message`). The control endpoint
mints such a token for a test user, standing in for the widget tap.
"""
from __future__ import annotations

import secrets

from flask import Blueprint, current_app, jsonify, request

from .oa import _error, _guard, _ok
from .shapes import Refused, check_miniapp_message

blp = Blueprint("oa_miniapp_messages", __name__)
TOKEN_HEADER = "miniapp_messsage_token"
TOKEN_LIFETIME = 7 * 24 * 3600


def _state():
    return current_app.config["ZALO_STATE"]


@blp.post("/v3.0/oa/message/cs/miniapp")
def send_miniapp_message():
    if (error := _guard()) is not None:
        return error
    state = _state()
    body = request.get_json(silent=True) or {}
    user_id = str((body.get("recipient") or {}).get("user_id") or "")
    if state.user_by_oa_id(user_id) is None:
        return _error(-201, "user_id is invalid")
    with state.lock:
        holder, expires_at = state.miniapp_message_tokens.get(request.headers.get(TOKEN_HEADER) or "", ("", 0.0))
    if holder != user_id or state.clock() >= expires_at:
        return _error(-201, f"{TOKEN_HEADER} is missing, expired or was not issued to this user")
    try:
        check_miniapp_message(body.get("message"))
    except Refused as exc:
        return _error(exc.code, str(exc))
    message_id = secrets.token_hex(10)
    with state.lock:
        state.sent_messages.append({"message_id": message_id, "user_id": user_id, "message": body["message"],
                                    "endpoint": request.path, "at": state.clock()})
    state.log_chat(user_id, 0, "links", "", message_id)
    return _ok({"message_id": message_id, "user_id": user_id, "quota": {"quota_type": "reply"}})


@blp.post("/_sandbox/users/<oa_user_id>/miniapp-message-token")
def mint_message_token(oa_user_id):
    """What the Mini App's function button hands over after this user taps it (valid 7 days)."""
    state = _state()
    if state.user_by_oa_id(oa_user_id) is None:
        return jsonify({"error": "unknown user"}), 404
    token = "mmt_" + secrets.token_urlsafe(24)
    with state.lock:
        state.miniapp_message_tokens[token] = (oa_user_id, state.clock() + TOKEN_LIFETIME)
    return jsonify({"token": token, "expires_in": TOKEN_LIFETIME}), 201
