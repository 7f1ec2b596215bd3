"""The message shapes Zalo documents for customer-service sends, and nothing else.

Zalo answers a malformed send with HTTP 200 and `error: -201` ("invalid
parameter"); its pages document one shape per kind of consultation message
(developers.zalo.me, Official Account → Tin nhắn → Tin Tư vấn; URLs in
docs/oa.md "OA endpoints and message shapes"):

- text: `{"text"}`, 1..2000 characters; a quote adds `quote_message_id`;
- media template (`attachment.type == "template"`, `template_type == "media"`,
  exactly one element): an image by `url` or `attachment_id` (one of the two),
  a gif by `attachment_id` with `width` and `height`, a sticker by
  `attachment_id`; image and gif may carry a caption in `text`;
- file: `attachment.type == "file"` with `payload.token` from the file upload;
- request-user-info card: `template_type == "request_user_info"`, exactly one
  element with `title` (≤ 100), `subtitle` (≤ 500) and `image_url`.

Everything else is refused: buttons on a text or a bare `payload.buttons`
(the old welcome shape), unknown `template_type`s, unknown keys, missing or
empty fields, over-long texts. Attachment ids and file tokens are opaque
non-empty strings here; whether they were really uploaded is checked where
uploads are emulated. `miniapp_body_refusal` does the same for the body of
`POST /v3.0/oa/message/cs/miniapp` (`template_type` + `template_data`).
"""
from __future__ import annotations

INVALID_PARAMETER = -201
TEXT_MAX = 2000
CARD_TITLE_MAX, CARD_SUBTITLE_MAX = 100, 500
# Mini App message templates the OA documentation shows (its example: FB0001, a function-button receipt).
MINIAPP_TEMPLATES = frozenset({"FB0001"})


class Refused(Exception):
    """A shape Zalo does not document; `code` is the error Zalo answers with."""

    def __init__(self, message: str, code: int = INVALID_PARAMETER):
        super().__init__(message)
        self.code = code


def _nonempty(value, name: str, limit: int | None = None) -> None:
    if not isinstance(value, str) or not value.strip():
        raise Refused(f"{name} is required and must be a non-empty string")
    if limit is not None and len(value) > limit:
        raise Refused(f"{name} is longer than {limit} characters")


def _only(obj: dict, allowed: set[str], where: str) -> None:
    extra = sorted(set(obj) - allowed)
    if extra:
        raise Refused(f"{where} has undocumented field(s): {', '.join(extra)}")


def _object(value, name: str) -> dict:
    if not isinstance(value, dict):
        raise Refused(f"{name} is required and must be an object")
    return value


def _one_element(payload: dict) -> dict:
    elements = payload.get("elements")
    if not isinstance(elements, list) or len(elements) != 1:
        raise Refused("attachment.payload.elements must hold exactly one element")
    return _object(elements[0], "attachment.payload.elements[0]")


def _positive_int(value, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise Refused(f"{name} must be a positive integer")


def _media(element: dict, has_text: bool) -> None:
    kind = element.get("media_type")
    if kind == "image":
        _only(element, {"media_type", "url", "attachment_id", "width", "height"}, "image element")
        if ("url" in element) == ("attachment_id" in element):
            raise Refused("an image element takes exactly one of url and attachment_id")
        _nonempty(element.get("url", element.get("attachment_id")), "url" if "url" in element else "attachment_id")
        for side in ("width", "height"):
            if side in element:
                _positive_int(element[side], side)
    elif kind == "gif":
        _only(element, {"media_type", "attachment_id", "width", "height"}, "gif element")
        _nonempty(element.get("attachment_id"), "attachment_id")
        _positive_int(element.get("width"), "width")
        _positive_int(element.get("height"), "height")
    elif kind == "sticker":
        _only(element, {"media_type", "attachment_id"}, "sticker element")
        _nonempty(element.get("attachment_id"), "attachment_id")
        if has_text:
            raise Refused("a sticker message has no text")
    else:
        raise Refused(f"media_type {kind!r} is not supported (image, gif, sticker)")


def _card(element: dict) -> None:
    _only(element, {"title", "subtitle", "image_url"}, "request_user_info element")
    _nonempty(element.get("title"), "title", CARD_TITLE_MAX)
    _nonempty(element.get("subtitle"), "subtitle", CARD_SUBTITLE_MAX)
    _nonempty(element.get("image_url"), "image_url")


def _attachment(message: dict) -> None:
    attachment = _object(message["attachment"], "message.attachment")
    _only(attachment, {"type", "payload"}, "message.attachment")
    payload = _object(attachment.get("payload"), "message.attachment.payload")
    has_text = "text" in message
    if "quote_message_id" in message:
        raise Refused("quote_message_id goes with a text message only")
    if attachment.get("type") == "file":
        _only(payload, {"token"}, "file payload")
        _nonempty(payload.get("token"), "attachment.payload.token")
        if has_text:
            raise Refused("a file message has no text")
        return
    if attachment.get("type") != "template":
        raise Refused(f"attachment.type {attachment.get('type')!r} is not supported (template, file)")
    _only(payload, {"template_type", "elements"}, "template payload")
    template_type = payload.get("template_type")
    if template_type == "media":
        _media(_one_element(payload), has_text)
    elif template_type == "request_user_info":
        if has_text:
            raise Refused("a request_user_info message has no text")
        _card(_one_element(payload))
    else:
        raise Refused(f"template_type {template_type!r} is not supported for message/cs "
                      "(media, request_user_info)")


def check_cs_message(message) -> None:
    """Raise `Refused` unless `message` is one of the documented `message/cs` shapes."""
    message = _object(message, "message")
    _only(message, {"text", "attachment", "quote_message_id"}, "message")
    if "text" in message or "attachment" not in message:
        _nonempty(message.get("text"), "text", TEXT_MAX)
    if "attachment" in message:
        _attachment(message)
    elif "quote_message_id" in message:
        _nonempty(message["quote_message_id"], "quote_message_id")


def _miniapp_button(button, index: int) -> None:
    button = _object(button, f"template_data.buttons[{index}]")
    _only(button, {"title", "image_icon", "url"}, f"template_data.buttons[{index}]")
    _nonempty(button.get("title"), "button title")
    _nonempty(button.get("url"), "button url")
    if "image_icon" in button:
        _nonempty(button["image_icon"], "button image_icon")


def check_miniapp_message(message) -> None:
    """Raise `Refused` unless `message` is a documented `message/cs/miniapp` message."""
    message = _object(message, "message")
    _only(message, {"template_type", "template_data"}, "message")
    template_type = message.get("template_type")
    if template_type not in MINIAPP_TEMPLATES:
        raise Refused(f"template_type {template_type!r} is not a Mini App message template")
    data = _object(message.get("template_data"), "message.template_data")
    if not data:
        raise Refused("message.template_data is empty")
    buttons = data.get("buttons", [])
    if not isinstance(buttons, list):
        raise Refused("template_data.buttons must be a list")
    for index, button in enumerate(buttons):
        _miniapp_button(button, index)
