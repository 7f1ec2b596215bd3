"""The customer simulator: fake customers follow, write, share info and read, as signed OA webhooks.

Builds events in the shapes of reference §1 (ids and millisecond timestamps
as strings, `follow` without sender/recipient, receipts and echoes with
sender = OA), serialises them compactly as Zalo does, signs them with
`mac = sha256(app_id + body + timestamp + OA secret key)` computed here
independently of the backend, and POSTs them to the backend's webhook URL.
Driven by `/_sandbox/simulate/<action>` and `python -m sandbox.zalo simulate`.
"""
from __future__ import annotations

import hashlib
import json
import secrets

import requests
from flask import Blueprint, current_app, jsonify, request

from .simulator_events import EXTRA_ACTIONS, build_extra_event, note_tag_event
from . import window
from .state import SandboxUser, ZaloState

MESSAGE_ACTIONS = ("text", "image", "link", "audio", "video", "sticker", "gif", "location", "file", "business_card")
ACTIONS = ("follow", "unfollow", "submit_info", "seen", "received", *MESSAGE_ACTIONS, *EXTRA_ACTIONS)
USER_ACTIONS = ("follow", "submit_info", *MESSAGE_ACTIONS)  # done by the user (a follow opens no window: window.py)

blp = Blueprint("sandbox_simulator", __name__, url_prefix="/_sandbox")


def _attachment(action: str, msg_id: str) -> dict:
    media = f"https://sandbox.zalo.local/media/{msg_id}"
    payloads = {
        "image": {"url": media + ".jpg", "thumbnail": media + "_thumb.jpg"},
        "link": {"url": "https://shop.example.vn/san-pham/1", "thumbnail": media + ".jpg", "description": "Sản phẩm"},
        "audio": {"url": media + ".aac"},
        "video": {"url": media + ".mp4", "thumbnail": media + "_thumb.jpg"},
        "sticker": {"id": "b9e9f5e7b5a25cfc05b3", "url": media + ".png"},
        "gif": {"url": media + ".gif", "thumbnail": media + "_thumb.gif"},
        "location": {"coordinates": {"latitude": "21.0285", "longitude": "105.8542"}},
        "file": {"url": media + ".pdf", "name": "bao-gia.pdf", "size": "20480", "type": "pdf"},
        "business_card": {"thumbnail": media + ".jpg", "description": "{\"phone\":\"84987654321\"}"},
    }
    return {"type": action, "payload": payloads[action]}


def build_event(state: ZaloState, action: str, user: SandboxUser, *, text: str | None = None,
                msg_id: str | None = None, msg_ids: list[str] | None = None, info: dict | None = None,
                timestamp_ms: int | None = None) -> dict:
    """The event Zalo would send for `action` by `user`."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    ts = str(timestamp_ms if timestamp_ms is not None else int(state.clock() * 1000))
    if action in EXTRA_ACTIONS:
        return build_extra_event(state, action, user, ts, text=text, msg_id=msg_id, info=info, attachment=_attachment)
    if action in ("follow", "unfollow"):
        return {"oa_id": state.oa_id, "follower": {"id": user.oa_user_id}, "user_id_by_app": user.app_user_id,
                "event_name": action, "source": "oa_profile", "app_id": state.app_id, "timestamp": ts}
    base = {"app_id": state.app_id, "user_id_by_app": user.app_user_id, "timestamp": ts}
    if action in ("seen", "received"):
        ids = msg_ids or [msg_id or ""]
        message = {"msg_ids": ids} if action == "seen" else {"msg_id": ids[0], "delivery_time": ts}
        return {**base, "sender": {"id": state.oa_id}, "recipient": {"id": user.oa_user_id},
                "event_name": f"user_{action}_message", "message": message}
    base.update({"sender": {"id": user.oa_user_id}, "recipient": {"id": state.oa_id}})
    if action == "submit_info":
        default = {"name": user.name, "phone": user.phone or "84912345678", "user_dob": "30/10/1999",
                   "gender": "Nam", "full_address": {"user_city": "Hà Nội", "user_ward": "Phường Tràng Tiền",
                                                     "user_address": "12 Tràng Tiền"}}
        return {**base, "event_name": "user_submit_info", "info": info or default}
    message = {"msg_id": msg_id or secrets.token_hex(10)}
    if action == "text":
        message["text"] = text or "Xin chào shop"
    else:
        message["attachments"] = [_attachment(action, message["msg_id"])]
        if text:
            message["text"] = text
    return {**base, "event_name": f"user_send_{action}", "message": message}


def encode(payload: dict) -> bytes:
    """Compact JSON, UTF-8, as Zalo posts it."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def sign(state: ZaloState, raw_body: bytes, payload: dict, secret: str | None = None) -> str:
    digest = hashlib.sha256(str(payload.get("app_id", "")).encode() + raw_body +
                            str(payload.get("timestamp", "")).encode() + (secret or state.oa_secret_key).encode())
    return "mac=" + digest.hexdigest()


# How a customer's message of each kind is listed by GET /v2.0/oa/conversation (reference §2 types).
LISTED_TYPES = {"text": "text", "image": "photo", "gif": "GIF", "sticker": "sticker", "location": "location",
                "audio": "voice"}


def note_interaction(state: ZaloState, payload: dict) -> None:
    """What Zalo itself learns from the event: followers, the messaging window, the conversation."""
    name = payload["event_name"]
    uid = (payload.get("follower") or payload.get("sender") or {}).get("id")
    if name in ("add_user_to_tag", "remove_user_from_tag"):
        note_tag_event(state, payload)
    with state.lock:
        if name == "follow":
            state.followers.add(uid)
        elif name == "unfollow":
            state.followers.discard(uid)
        window.note_interaction(state, name, uid, int(payload["timestamp"]))
    if name.startswith("user_send_"):
        message = payload["message"]
        attachment = (message.get("attachments") or [{}])[0].get("payload") or {}
        media = {"url": attachment["url"]} if attachment.get("url") else {}
        state.log_chat(uid, 1, LISTED_TYPES.get(name.removeprefix("user_send_"), "link"), message.get("text") or "",
                       message["msg_id"], **media)


def deliver(state: ZaloState, payload: dict, url: str | None = None, timeout: float = 5.0) -> int:
    """Sign and POST one event to the backend; returns the HTTP status."""
    note_interaction(state, payload)
    raw = encode(payload)
    response = requests.post(url or state.webhook_url, data=raw, timeout=(2, timeout),
                             headers={"Content-Type": "application/json", "X-ZEvent-Signature": sign(state, raw, payload)})
    response.close()
    return response.status_code


def echo_and_receipt(state: ZaloState, user: SandboxUser, message: dict, message_id: str) -> None:
    """After an OA message: Zalo's echo of it, then the customer's phone confirming receipt."""
    ts = str(int(state.clock() * 1000))
    echo = {"app_id": state.app_id, "sender": {"id": state.oa_id}, "recipient": {"id": user.oa_user_id},
            "user_id_by_app": user.app_user_id, "event_name": "oa_send_text" if message.get("text") else "oa_send_image",
            "message": {"msg_id": message_id, "text": message.get("text") or ""}, "timestamp": ts}
    try:
        deliver(state, echo)
        deliver(state, build_event(state, "received", user, msg_id=message_id))
    except requests.RequestException:
        pass  # the backend is down: Zalo would resend, the sandbox does not bother


def _find_user(state: ZaloState, key: str | None) -> SandboxUser | None:
    with state.lock:
        return state.users.get(key or "") or state.user_by_oa_id(key or "")


@blp.post("/simulate/<action>")
def simulate(action):
    """Make a sandbox user do something; body: {"user": app or OA id, "text", "msg_id(s)", "info", "webhook_url"}."""
    state = current_app.config["ZALO_STATE"]
    body = request.get_json(silent=True) or {}
    user = _find_user(state, body.get("user"))
    if user is None:
        return jsonify({"error": "unknown user; create one with POST /_sandbox/users"}), 404
    url = body.get("webhook_url") or state.webhook_url
    if not url:
        return jsonify({"error": "no webhook URL: POST /_sandbox/webhook {\"url\": ...} first"}), 409
    try:
        payload = build_event(state, action, user, text=body.get("text"), msg_id=body.get("msg_id"),
                              msg_ids=body.get("msg_ids"), info=body.get("info"))
    except ValueError as exc:
        return jsonify({"error": str(exc)}), 404
    try:
        status = deliver(state, payload, url)
    except requests.RequestException as exc:
        return jsonify({"error": f"webhook not reachable: {type(exc).__name__}", "event": payload}), 502
    return jsonify({"delivered": status, "event": payload})


@blp.post("/webhook")
def set_webhook():
    """Where simulated events go, and whether OA messages are echoed back with a receipt."""
    state = current_app.config["ZALO_STATE"]
    body = request.get_json(silent=True) or {}
    with state.lock:
        state.webhook_url = body.get("url") or state.webhook_url
        state.echo_events = bool(body.get("echo_events", state.echo_events))
    return jsonify({"url": state.webhook_url, "echo_events": state.echo_events})
