"""Events of the customer simulator beyond plain messages: reactions, anonymous users, feedback, OA tags.

Shapes as Zalo's webhook pages describe them (summarised in
docs/oa.md "Media, events kept in history, backfill"): reactions carry
`message: {msg_id, react_icon}` (`user_reacted_message` from the user,
`oa_reacted_message` from the OA); anonymous users write with `sender.id`
their anonymous id and `message.conversation_id`, and no `user_id_by_app`;
`add_user_to_tag` / `remove_user_from_tag` carry `oa_id` and
`tag: {user_ids, name}` with no sender. `user_feedback` is not on any page we
could read: its shape here (`message: {msg_id, rate, note, feedbacks}`) is an
assumption the backend parses defensively.
"""
from __future__ import annotations

import secrets

from .state import SandboxUser, ZaloState

ANONYMOUS_KINDS = ("text", "image", "file", "sticker")
EXTRA_ACTIONS = ("react", "oa_react", *(f"anonymous_{k}" for k in ANONYMOUS_KINDS), "feedback", "tag", "untag")


def build_extra_event(state: ZaloState, action: str, user: SandboxUser, ts: str, *, text: str | None,
                      msg_id: str | None, info: dict | None, attachment) -> dict:
    """The event for one of `EXTRA_ACTIONS` (`info` carries `react_icon`, `tag`, `rate`, `anonymous_id`, …)."""
    info = info or {}
    base = {"app_id": state.app_id, "timestamp": ts}
    user_side, oa_side = {"id": user.oa_user_id}, {"id": state.oa_id}
    if action in ("react", "oa_react"):
        sender, recipient = (user_side, oa_side) if action == "react" else (oa_side, user_side)
        name = "user_reacted_message" if action == "react" else "oa_reacted_message"
        return {**base, "sender": sender, "recipient": recipient, "user_id_by_app": user.app_user_id,
                "event_name": name, "message": {"msg_id": msg_id or "", "react_icon": info.get("react_icon", "/-heart")}}
    if action.startswith("anonymous_"):
        kind = action.removeprefix("anonymous_")
        message = {"msg_id": msg_id or secrets.token_hex(10),
                   "conversation_id": info.get("conversation_id") or f"conv{user.oa_user_id}"}
        if kind == "text":
            message["text"] = text or "Shop ơi cho hỏi"
        else:
            message["attachments"] = [attachment(kind, message["msg_id"])]
        return {**base, "sender": {"id": info.get("anonymous_id") or f"anon{user.oa_user_id}"}, "recipient": oa_side,
                "event_name": f"anonymous_send_{kind}", "message": message}
    if action == "feedback":
        return {**base, "sender": user_side, "recipient": oa_side, "user_id_by_app": user.app_user_id,
                "event_name": "user_feedback",
                "message": {"msg_id": msg_id or secrets.token_hex(10), "rate": info.get("rate", 5),
                            "note": text or "Tư vấn nhiệt tình", "feedbacks": info.get("feedbacks", ["Nhanh"])}}
    name = "add_user_to_tag" if action == "tag" else "remove_user_from_tag"
    return {**base, "oa_id": state.oa_id, "user_id_by_app": user.app_user_id, "event_name": name,
            "tag": {"user_ids": [user.oa_user_id], "name": info.get("tag", "VIP")}}


def note_tag_event(state: ZaloState, payload: dict) -> None:
    """The OA manager changed a tag: the emulator's own tag list follows, as `gettagsofoa` would show it."""
    tag = payload.get("tag") or {}
    with state.lock:
        members = state.tags.setdefault(tag.get("name", ""), set())
        for uid in tag.get("user_ids") or []:
            (members.add if payload["event_name"] == "add_user_to_tag" else members.discard)(uid)
