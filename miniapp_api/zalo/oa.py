"""The OA API client (`openapi.zalo.me`): customer-service messages, user details and tags.

Auth is the `access_token` header; failures arrive as HTTP 200 with
`error != 0` and are raised as `ZaloError` by `ZaloHttp`. `OaClient` takes a
token provider so an invalid or expired token (`-216`/`-220`) is refreshed
once and the call retried, as Zalo's SDKs do.
"""
from __future__ import annotations

import json
from typing import Protocol

from .http import ZaloError, ZaloHttp

TOKEN_INVALID, TOKEN_EXPIRED = -216, -220
RATE_LIMITED = -32
NOT_FOLLOWER, NO_INTERACTION_7D, INTERACTION_EXPIRED = -213, -230, -232
REFRESH_CODES = (TOKEN_INVALID, TOKEN_EXPIRED)
# Codes that will fail again for this message however often it is retried (meanings: docs/oa.md, error codes).
PERMANENT_REASONS = {
    NOT_FOLLOWER: "The user does not follow the OA (Zalo -213).",
    NO_INTERACTION_7D: "The user has not interacted with the OA in 7 days; only template messages can reach them (Zalo -230).",
    INTERACTION_EXPIRED: ("The user has never interacted with the OA, or that interaction has expired; only "
                          "template messages (ZNS) can reach them (Zalo -232)."),
    -201: "Zalo rejected a parameter of the message (Zalo -201).",
    -227: "The user is banned or inactive (Zalo -227).",
    -233: "Zalo does not accept this type of message (Zalo -233).",
    -244: "The user blocked this type of message (Zalo -244).",
    -248: "Zalo refused the message as violating its platform standards (Zalo -248).",
    -249: "Zalo refused the message (Zalo -249; the code is not in any Zalo table we could check).",
}
# Codes that say the OA channel itself cannot send, whatever the message: sending pauses until fixed.
CHANNEL_REASONS = {
    -209: "The Zalo app is not activated or does not support this API (Zalo -209): activate it at developers.zalo.me.",
    -212: "The Zalo app has not registered this API (Zalo -212): enable the OA messaging APIs for the app.",
    -223: "The OA has not authorised this API for the app (Zalo -223): reconnect the OA and grant the permissions.",
    -320: "The Zalo app is not linked to a Zalo Cloud Account (Zalo -320): link one to pay for messages.",
    -321: "The Zalo Cloud Account is out of funds (Zalo -321): top it up.",
}
# Codes worth retrying later: rate limits and quotas refill.
# -234: a promotion outside 06:00–21:59 (Vietnam); campaigns hold them, so only a clock disagreement sees it.
RETRY_LATER = {RATE_LIMITED: 60.0, -211: 3600.0, -218: 3600.0, -234: 3600.0}


class TokenProvider(Protocol):
    def access_token(self) -> tuple[str, int]:
        """A usable token and its version."""

    def refresh_after_rejection(self, version: int) -> tuple[str, int]:
        """A new token after Zalo rejected the one of `version`."""


# Message bodies: only the shapes Zalo documents for `message/cs` (docs/oa.md "OA endpoints and message shapes";
# the emulator refuses any other, sandbox/zalo/shapes.py).
def text_message(text: str) -> dict:
    return {"text": text}


def image_message(url: str, text: str | None = None) -> dict:
    message = {"attachment": {"type": "template", "payload": {
        "template_type": "media", "elements": [{"media_type": "image", "url": url}]}}}
    if text:
        message["text"] = text
    return message


def promotion_message(header: str, text: str, *, image_url: str | None = None, link: str | None = None,
                      button: str = "Xem ngay") -> dict:
    """A per-user promotion (`/v3.0/oa/message/promotion`): a banner if there is an image, the header, the text, and
    a button opening `link` when there is one (docs/oa.md "Promotion messages")."""
    elements = [{"type": "banner", "image_url": image_url}] if image_url else []
    elements += [{"type": "header", "content": header[:100]}, {"type": "text", "align": "left", "content": text}]
    payload = {"template_type": "promotion", "language": "VI", "elements": elements}
    if link:
        payload["buttons"] = [{"title": button, "type": "oa.open.url", "payload": {"url": link}}]
    return {"attachment": {"type": "template", "payload": payload}}


def request_user_info_message(title: str, subtitle: str, image_url: str) -> dict:
    """Zalo's own info-request card; the answer arrives as a `user_submit_info` webhook."""
    return {"attachment": {"type": "template", "payload": {
        "template_type": "request_user_info",
        "elements": [{"title": title, "subtitle": subtitle, "image_url": image_url}]}}}


class TokenClient:
    """Calls a Zalo API with the OA's token, refreshing it once when Zalo rejects it (`refresh_codes`)."""

    refresh_codes: tuple[int, ...] = REFRESH_CODES

    def __init__(self, http: ZaloHttp, tokens: TokenProvider):
        self.http = http
        self.tokens = tokens

    def _call(self, method: str, path: str, **kwargs) -> dict:
        token, version = self.tokens.access_token()
        try:
            return self.http.request(method, path, headers={"access_token": token}, **kwargs)
        except ZaloError as exc:
            if exc.code not in self.refresh_codes:
                raise
        token, _ = self.tokens.refresh_after_rejection(version)
        return self.http.request(method, path, headers={"access_token": token}, **kwargs)


class OaClient(TokenClient):
    """The OA API (`openapi.zalo.me`)."""

    def send_cs(self, user_id: str, message: dict) -> dict:
        """Send a customer-service message; returns `data` (`message_id`, `user_id`, `quota`)."""
        body = self._call("POST", "/v3.0/oa/message/cs", json={"recipient": {"user_id": user_id}, "message": message})
        return body.get("data") or {}

    def send_promotion(self, user_id: str, message: dict) -> dict:
        """Send a promotion message to a follower; returns `data` (`message_id`, `user_id`)."""
        body = self._call("POST", "/v3.0/oa/message/promotion",
                          json={"recipient": {"user_id": user_id}, "message": message})
        return body.get("data") or {}

    def message_quota(self, user_id: str) -> dict:
        """`/v3.0/oa/quota/message`: the user's `last_interaction` (ms) and free replies left (`cs_reply`)."""
        body = self._call("POST", "/v3.0/oa/quota/message", json={"user_id": user_id})
        return body.get("data") or {}

    def conversation(self, user_id: str, offset: int = 0, count: int = 10) -> list[dict]:
        """`/v2.0/oa/conversation`: the messages between the OA and the user, newest first (`count` ≤ 10)."""
        body = self._call("GET", "/v2.0/oa/conversation",
                          params={"data": json.dumps({"user_id": user_id, "offset": offset, "count": count})})
        data = body.get("data")
        return [entry for entry in data if isinstance(entry, dict)] if isinstance(data, list) else []

    def tag_follower(self, user_id: str, tag_name: str) -> dict:
        """Put the user under an OA tag (Zalo creates the tag if it is new)."""
        return self._call("POST", "/v2.0/oa/tag/tagfollower", json={"user_id": user_id, "tag_name": tag_name})

    def untag_follower(self, user_id: str, tag_name: str) -> dict:
        """Take the user out of an OA tag."""
        return self._call("POST", "/v2.0/oa/tag/rmfollowerfromtag", json={"user_id": user_id, "tag_name": tag_name})

    def user_detail(self, user_id: str) -> dict:
        """`/v3.0/oa/user/detail`: name, avatar, follower status, shared info."""
        body = self._call("GET", "/v3.0/oa/user/detail", params={"data": json.dumps({"user_id": user_id})})
        return body.get("data") or {}
