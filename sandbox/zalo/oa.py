"""The OA API (`openapi.zalo.me`) as an OA backend sees it: CS messages, conversations, user detail,
quota, tags.

Shapes from the reference (§2): the token travels in the `access_token`
header, GET parameters are one `data` JSON query parameter, and every
refusal is HTTP 200 with `error != 0` (-216 invalid token, -220 expired,
-201 bad parameter, including every message shape Zalo does not document:
`shapes.py`; the window and quota codes -230, -232, -320, -321 come
from `window.py`). Tests force other codes
(-32, -213, -232, ...) through `/_sandbox/oa/faults`, or a hang: the message
is sent, but its answer is held (the sender crashes or times out not knowing).
"""
from __future__ import annotations

import json
import secrets
import threading

from flask import Blueprint, current_app, jsonify, request

from .shapes import Refused, check_cs_message
from . import window

blp = Blueprint("oa", __name__)


def _state():
    return current_app.config["ZALO_STATE"]


def _error(code: int, message: str):
    return jsonify({"error": code, "message": message})


def _ok(data):
    return jsonify({"error": 0, "message": "Success", "data": data})


def _guard():
    """An error response for a bad token or a forced fault, else None."""
    state = _state()
    token = request.headers.get("access_token")
    with state.lock:
        expires_at = state.oa_tokens.get(token or "")
    if expires_at is None:
        return _error(-216, "Access token is invalid")
    if state.clock() >= expires_at:
        return _error(-220, "Access token has expired")
    code = state.take_fault(request.path)
    if code is not None:
        return _error(code, f"Sandbox forced error {code}")
    return None


def _data_param() -> dict:
    try:
        value = json.loads(request.args.get("data") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@blp.post("/v3.0/oa/message/cs")
def send_cs():
    if (error := _guard()) is not None:
        return error
    state = _state()
    body = request.get_json(silent=True) or {}
    user_id = str((body.get("recipient") or {}).get("user_id") or "")
    message = body.get("message") or {}
    user = state.user_by_oa_id(user_id)
    if user is None:
        return _error(-201, "user_id is invalid")
    try:
        check_cs_message(body.get("message"))
    except Refused as exc:
        return _error(exc.code, str(exc))
    from .uploads import refusal  # uploads builds on this module's helpers

    if (refused := refusal(state, message)) is not None:
        return _error(-201, refused)
    refused, quota_used = window.charge(state, user_id)  # -232, -230, -320/-321, or the quota it came from
    if refused:
        return _error(*refused)
    message_id = secrets.token_hex(10)
    with state.lock:
        state.sent_messages.append({"message_id": message_id, "user_id": user_id, "message": message,
                                    "at": state.clock()})
    state.log_chat(user_id, 0, *_listed_as(message), message_id)
    if state.echo_events and state.webhook_url:
        from .simulator import echo_and_receipt

        threading.Thread(target=echo_and_receipt, args=(state, user, message, message_id), daemon=True).start()
    if (hang := state.take_fault(request.path, "hang_seconds")) is not None:
        state.release.wait(hang)  # sent all the same: the caller times out or dies not knowing
    return _ok({"message_id": message_id, "user_id": user_id, **({"quota": quota_used} if quota_used else {})})


def _listed_as(message: dict) -> tuple[str, str]:
    """How a sent message appears in the conversation: (type, message text)."""
    payload = (message.get("attachment") or {}).get("payload") or {}
    if payload.get("template_type") == "media":
        return "photo", message.get("text") or ""
    if message.get("text"):
        return "text", message["text"]
    return "links", ""


@blp.get("/v2.0/oa/conversation")
def conversation():
    """Messages between the OA and one user, newest first, `count` (≤ 10) from `offset`."""
    if (error := _guard()) is not None:
        return error
    state = _state()
    data = _data_param()
    user = state.user_by_oa_id(str(data.get("user_id") or ""))
    if user is None:
        return _error(-201, "user_id is invalid")
    offset, count = data.get("offset", 0), data.get("count", 5)
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        return _error(-201, "offset is invalid")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10:
        return _error(-201, "count must be between 1 and 10")
    with state.lock:
        lines = [line for line in reversed(state.chat) if line["user_id"] == user.oa_user_id]
    return _ok([chat_entry(state, user, line) for line in lines[offset:offset + count]])


def chat_entry(state, user, line: dict) -> dict:
    """One logged chat line as Zalo's conversation listings show it (`conversation`, `listrecentchat`)."""
    avatar = user.avatar or f"https://s120-ava-talk.zadn.vn/sandbox/{user.oa_user_id}.jpg"
    oa_side = {"id": state.oa_id, "display_name": "Sandbox OA",
               "avatar": "https://s120-ava-talk.zadn.vn/sandbox/oa.jpg"}
    user_side = {"id": user.oa_user_id, "display_name": user.name, "avatar": avatar}
    sender, recipient = (oa_side, user_side) if line["src"] == 0 else (user_side, oa_side)
    extra = {k: line[k] for k in ("url", "thumb", "links", "location", "description") if k in line}
    return {"src": line["src"], "time": line["time"], "type": line["type"], "message": line["message"],
            "message_id": line["message_id"], "from_id": sender["id"], "to_id": recipient["id"],
            "from_display_name": sender["display_name"], "from_avatar": sender["avatar"],
            "to_display_name": recipient["display_name"], "to_avatar": recipient["avatar"], **extra}


@blp.get("/v3.0/oa/user/detail")
def user_detail():
    if (error := _guard()) is not None:
        return error
    state = _state()
    user = state.user_by_oa_id(str(_data_param().get("user_id") or ""))
    if user is None:
        return _error(-201, "user_id is invalid")
    avatar = user.avatar or f"https://s120-ava-talk.zadn.vn/sandbox/{user.oa_user_id}.jpg"
    tags = sorted(t for t, ids in state.tags.items() if user.oa_user_id in ids)
    return _ok({"user_id": user.oa_user_id, "user_id_by_app": user.app_user_id, "user_external_id": "",
                "display_name": user.name, "user_alias": "", "is_sensitive": False,
                "user_is_follower": user.oa_user_id in state.followers, "user_last_interaction_date": "",
                "avatar": avatar, "avatars": {"120": avatar, "240": avatar}, "dynamic_param": "",
                "tags_and_notes_info": {"notes": [], "tag_names": tags},
                "shared_info": {"name": user.name, "phone": user.phone or "", "address": "", "city": "",
                                "district": ""}})


@blp.post("/v3.0/oa/quota/message")
def quota():
    """The user's last interaction and free replies left (any user who wrote, follower or not)."""
    if (error := _guard()) is not None:
        return error
    state = _state()
    user_id = str((request.get_json(silent=True) or {}).get("user_id") or "")
    if state.user_by_oa_id(user_id) is None:
        return _error(-201, "user_id is invalid")
    return _ok(window.quota_answer(state, user_id))


@blp.post("/v2.0/oa/tag/tagfollower")
def tag_follower():
    if (error := _guard()) is not None:
        return error
    body = request.get_json(silent=True) or {}
    if not body.get("user_id") or not body.get("tag_name"):
        return _error(-201, "user_id and tag_name are required")
    with _state().lock:
        _state().tags.setdefault(body["tag_name"], set()).add(str(body["user_id"]))
    return jsonify({"error": 0, "message": "Success"})


@blp.post("/v2.0/oa/tag/rmfollowerfromtag")
def untag_follower():
    if (error := _guard()) is not None:
        return error
    body = request.get_json(silent=True) or {}
    with _state().lock:
        _state().tags.get(body.get("tag_name") or "", set()).discard(str(body.get("user_id")))
    return jsonify({"error": 0, "message": "Success"})


@blp.post("/v2.0/oa/tag/rmtag")
def remove_tag():
    if (error := _guard()) is not None:
        return error
    with _state().lock:
        _state().tags.pop((request.get_json(silent=True) or {}).get("tag_name") or "", None)
    return jsonify({"error": 0, "message": "Success"})


@blp.get("/v2.0/oa/tag/gettagsofoa")
def list_tags():
    if (error := _guard()) is not None:
        return error
    with _state().lock:
        return _ok(sorted(_state().tags))
