"""Zalo's per-user promotion message (`POST /v3.0/oa/message/promotion`), with the conditions Zalo sets.

Shape and rules from the reference (§2, "Promotion conditions", from Zalo's OA pages and SDKs; URLs in
docs/oa.md): `recipient.user_id` and a `promotion` template: `elements` holding at most one `banner` (first, an
`image_url` or an `attachment_id`), exactly one `header` (`content` ≤ 100 characters), `text` elements
(`content` ≤ 1000) and `table` elements (`key` ≤ 25, `value` ≤ 100), `buttons` (≤ 4: `oa.open.url` with
`payload.url`, `oa.query.show`/`oa.query.hide` with a string payload, `oa.open.phone` with
`payload.phone_code`; `title` ≤ 100). The recipient must follow the OA now (-213), at most one promotion per
user per day (Vietnam time; -211 "out of quota"), and only from 06:00 to 21:59 Vietnam time (-234). Every other
shape is -201. *Deliberately* written apart from the backend's builder, so it can catch the backend's mistakes.
"""
from __future__ import annotations

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, request

from .oa import _error, _guard, _ok
from .shapes import Refused, _nonempty, _object, _only

blp = Blueprint("oa_promotion", __name__)
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
OUT_OF_HOURS, OUT_OF_QUOTA, NOT_FOLLOWER = -234, -211, -213
BUTTON_TYPES = {"oa.open.url": "url", "oa.open.phone": "phone_code"}


def _element(element, index: int, seen: dict) -> None:
    element = _object(element, f"elements[{index}]")
    kind = element.get("type")
    if kind == "banner":
        _only(element, {"type", "image_url", "attachment_id"}, "banner element")
        if index != 0 or ("image_url" in element) == ("attachment_id" in element):
            raise Refused("a banner comes first, with an image_url or an attachment_id")
        _nonempty(element.get("image_url", element.get("attachment_id")), "banner image")
    elif kind in ("header", "text"):
        _only(element, {"type", "content", "align"}, f"{kind} element")
        _nonempty(element.get("content"), f"{kind} content", 100 if kind == "header" else 1000)
        if element.get("align", "left") not in ("left", "center", "right"):
            raise Refused("align is left, center or right")
    elif kind == "table":
        _only(element, {"type", "content"}, "table element")
        rows = element.get("content")
        if not isinstance(rows, list) or not rows:
            raise Refused("a table's content is a non-empty list")
        for row in rows:
            row = _object(row, "table row")
            _only(row, {"key", "value", "style"}, "table row")
            _nonempty(row.get("key"), "table key", 25)
            _nonempty(row.get("value"), "table value", 100)
    else:
        raise Refused(f"element type {kind!r} is not supported (banner, header, text, table)")
    seen[kind] = seen.get(kind, 0) + 1


def _button(button, index: int) -> None:
    button = _object(button, f"buttons[{index}]")
    _only(button, {"title", "type", "payload", "image_icon"}, "button")
    _nonempty(button.get("title"), "button title", 100)
    kind = button.get("type")
    if kind in BUTTON_TYPES:
        _nonempty(_object(button.get("payload"), "button payload").get(BUTTON_TYPES[kind]), "button payload")
    elif kind in ("oa.query.show", "oa.query.hide"):
        _nonempty(button.get("payload"), "button payload")
    else:
        raise Refused(f"button type {kind!r} is not supported")


def check_promotion(message) -> None:
    message = _object(message, "message")
    _only(message, {"attachment"}, "message")
    attachment = _object(message.get("attachment"), "message.attachment")
    _only(attachment, {"type", "payload"}, "message.attachment")
    payload = _object(attachment.get("payload"), "message.attachment.payload")
    _only(payload, {"template_type", "language", "elements", "buttons"}, "promotion payload")
    if attachment.get("type") != "template" or payload.get("template_type") != "promotion":
        raise Refused("a promotion is a template attachment with template_type promotion")
    if payload.get("language", "VI") not in ("VI", "EN"):
        raise Refused("language is VI or EN")
    elements = payload.get("elements")
    if not isinstance(elements, list) or not 1 <= len(elements) <= 5:
        raise Refused("elements must hold 1 to 5 elements")
    seen: dict = {}
    for index, element in enumerate(elements):
        _element(element, index, seen)
    if seen.get("header") != 1:
        raise Refused("a promotion has exactly one header")
    buttons = payload.get("buttons", [])
    if not isinstance(buttons, list) or len(buttons) > 4:
        raise Refused("buttons is a list of at most 4")
    for index, button in enumerate(buttons):
        _button(button, index)


@blp.post("/v3.0/oa/message/promotion")
def send_promotion():
    if (error := _guard()) is not None:
        return error
    state = current_app.config["ZALO_STATE"]
    body = request.get_json(silent=True) or {}
    user_id = str((body.get("recipient") or {}).get("user_id") or "")
    if state.user_by_oa_id(user_id) is None:
        return _error(-201, "user_id is invalid")
    try:
        check_promotion(body.get("message"))
    except Refused as exc:
        return _error(exc.code, str(exc))
    if user_id not in state.followers:
        return _error(NOT_FOLLOWER, "user has not followed the OA")
    now = dt.datetime.fromtimestamp(state.clock(), VIETNAM)
    if not 6 <= now.hour < 22:
        return _error(OUT_OF_HOURS, "promotion messages are sent from 06:00 to 21:59 only")
    with state.lock:
        if any(m["user_id"] == user_id and m.get("kind") == "promotion"
               and dt.datetime.fromtimestamp(m["at"], VIETNAM).date() == now.date() for m in state.sent_messages):
            return _error(OUT_OF_QUOTA, "at most one promotion message per user per day")
        message_id = secrets.token_hex(10)
        state.sent_messages.append({"message_id": message_id, "user_id": user_id, "message": body["message"],
                                    "at": state.clock(), "kind": "promotion"})
    state.log_chat(user_id, 0, "links", "", message_id)
    return _ok({"message_id": message_id, "user_id": user_id})
