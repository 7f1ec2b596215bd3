"""ZNS (`business.openapi.zalo.me`) as an OA backend sees it: templates, template messages by phone, the daily quota,
and the delivery event.

Shapes and codes follow Zalo's ZNS pages (docs/oa.md "ZNS" lists each with its source): the OA token in the
`access_token` header (`-124` when invalid or expired), `phone` in `84…` (or `0…`) form (`-108`), a template
the OA owns (`-109`) that is enabled (`-131`), `template_data` checked parameter by parameter against the
template's `listParams` (`-111` empty, `-112` missing or ill-typed, `-1121` too long), a `tracking_id` of at
most 48 letters, digits, `_` or `-`, and an exhaustible daily quota that refills at midnight Vietnam time
(`-144`). A phone no Zalo user holds gets `-118`. Faults are forced through `/_sandbox/oa/faults` with the
path (e.g. `/message/template`). Test-only control under `/_sandbox/zns/`: templates, quota, sent messages and
the delivery receipt (`user_received_message` carrying the `tracking_id`), signed and posted to the webhook.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
from zoneinfo import ZoneInfo

import requests
from flask import Blueprint, current_app, jsonify, request

from .simulator import encode, sign

blp = Blueprint("zns", __name__)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
STATUSES = {1: "ENABLE", 2: "PENDING_REVIEW", 3: "REJECT", 4: "DISABLE", 5: "DELETE"}
TRACKING_ID = re.compile(r"^[A-Za-z0-9_-]{1,48}$")
PHONE = re.compile(r"^(84|0)([35789]\d{8})$")
DATE = re.compile(r"^\d{2}/\d{2}/\d{4}$")


@dataclasses.dataclass
class ZnsState:
    """The OA's ZNS side: its templates, today's quota, what was sent."""

    templates: dict[str, dict] = dataclasses.field(default_factory=dict)  # template id → info/v2 `data`
    daily_quota: int = 500
    remaining: int = 500
    quota_day: dt.date | None = None
    sent: list[dict] = dataclasses.field(default_factory=list)


def zns_state(state) -> ZnsState:
    """The ZNS half of an emulator state (made on first use, so a fresh `ZaloState` starts a fresh one)."""
    with state.lock:
        if getattr(state, "zns", None) is None:
            state.zns = ZnsState()
        return state.zns


def _state():
    return current_app.config["ZALO_STATE"]


def _error(code: int, message: str):
    return jsonify({"error": code, "message": message})


def _ok(data, **extra):
    return jsonify({"error": 0, "message": "Success", "data": data, **extra})


def _guard():
    """ZNS says `-124` for a missing, unknown or expired OA token; then any forced fault for the path."""
    state = _state()
    with state.lock:
        expires_at = state.oa_tokens.get(request.headers.get("access_token") or "")
    if expires_at is None or state.clock() >= expires_at:
        return _error(-124, "Access token is invalid")
    code = state.take_fault(request.path)
    if code is not None:
        return _error(code, f"Sandbox forced error {code}")
    return None


def _refill(state, zns: ZnsState) -> None:
    """The daily quota refills at 00:00 Asia/Ho_Chi_Minh."""
    today = dt.datetime.fromtimestamp(state.clock(), LOCAL).date()
    if zns.quota_day != today:
        zns.quota_day, zns.remaining = today, zns.daily_quota


def _quota_view(zns: ZnsState) -> dict:
    return {"dailyQuota": str(zns.daily_quota), "remainingQuota": str(zns.remaining)}


def param_error(spec: dict, value) -> tuple[int, str] | None:
    """Zalo's verdict on one template parameter's value, or None when it passes."""
    name = spec["name"]
    if value is None or value == "":
        if spec.get("require") and not spec.get("acceptNull"):
            return -112, f"Template data invalid: {name} is required"
        return None
    if isinstance(value, (dict, list, bool)):
        return -112, f"Template data invalid: {name} must be a string or a number"
    text = str(value)
    kind = str(spec.get("type") or "STRING").upper()
    if kind == "NUMBER" and not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return -112, f"Template data invalid: {name} must be a number"
    if kind == "DATE" and not DATE.fullmatch(text):
        return -112, f"Template data invalid: {name} must be a date dd/MM/yyyy"
    if spec.get("maxLength") and len(text) > int(spec["maxLength"]):
        return -1121, f"Template data invalid: {name} is longer than {spec['maxLength']} characters"
    if spec.get("minLength") and len(text) < int(spec["minLength"]):
        return -112, f"Template data invalid: {name} is shorter than {spec['minLength']} characters"
    return None


@blp.post("/message/template")
def send_template():
    if (error := _guard()) is not None:
        return error
    state, body = _state(), request.get_json(silent=True)
    zns = zns_state(state)
    if not isinstance(body, dict):
        return _error(-112, "Body must be a JSON object")
    match = PHONE.fullmatch(str(body.get("phone") or ""))
    if match is None:
        return _error(-108, "Phone number invalid")
    phone = "84" + match.group(2)
    template = zns.templates.get(str(body.get("template_id") or ""))
    if template is None:
        return _error(-109, "Template ID invalid")
    if template["status"] != "ENABLE":
        return _error(-131, "Template is not enabled")
    data = body.get("template_data")
    if not isinstance(data, dict) or not data:
        return _error(-111, "Template data empty")
    for spec in template["listParams"]:
        if (problem := param_error(spec, data.get(spec["name"]))) is not None:
            return _error(*problem)
    tracking_id = body.get("tracking_id")
    if not isinstance(tracking_id, str) or not TRACKING_ID.fullmatch(tracking_id):
        return _error(-112, "tracking_id is required: at most 48 letters, digits, '_' or '-'")
    if body.get("mode") not in (None, "development"):
        return _error(-112, "mode must be 'development' when given")
    with state.lock:
        if not any(user.phone == phone for user in state.users.values()):
            return _error(-118, "Zalo account not existed")
        _refill(state, zns)
        if zns.remaining <= 0:
            return _error(-144, "OA has exceeded the daily ZNS quota")
        zns.remaining -= 1
        sent_time = str(int(state.clock() * 1000))
        msg_id = secrets.token_hex(10)
        zns.sent.append({"msg_id": msg_id, "phone": phone, "template_id": template["templateId"],
                         "template_data": data, "tracking_id": tracking_id, "mode": body.get("mode"),
                         "sent_time": sent_time})
        return _ok({"msg_id": msg_id, "sent_time": sent_time, "sending_mode": "1", "quota": _quota_view(zns)})


def _int_arg(name: str, *, required: bool, low: int, high: int):
    raw = request.args.get(name)
    if raw is None:
        return None if not required else ValueError(f"{name} is required")
    try:
        value = int(raw)
    except ValueError:
        return ValueError(f"{name} must be an integer")
    return value if low <= value <= high else ValueError(f"{name} must be between {low} and {high}")


@blp.get("/template/all")
def list_templates():
    """The OA's templates, newest first: `offset` and `limit` (≤ 100) required, `status` 1–5 optional."""
    if (error := _guard()) is not None:
        return error
    args = {"offset": _int_arg("offset", required=True, low=0, high=10**6),
            "limit": _int_arg("limit", required=True, low=1, high=100),
            "status": _int_arg("status", required=False, low=1, high=5)}
    if bad := next((v for v in args.values() if isinstance(v, ValueError)), None):
        return _error(-112, str(bad))
    with _state().lock:
        rows = sorted(zns_state(_state()).templates.values(), key=lambda t: -t["createdTime"])
    if args["status"] is not None:
        rows = [t for t in rows if t["status"] == STATUSES[args["status"]]]
    page = rows[args["offset"]:args["offset"] + args["limit"]]
    return _ok([{key: t[key] for key in ("templateId", "templateName", "createdTime", "status", "templateQuality")}
                for t in page], metadata={"total": len(rows)})


@blp.get("/template/info/v2")
def template_info():
    if (error := _guard()) is not None:
        return error
    template = zns_state(_state()).templates.get(request.args.get("template_id") or "")
    if template is None:
        return _error(-109, "Template ID invalid")
    return _ok(template)


@blp.get("/message/quota")
def quota():
    if (error := _guard()) is not None:
        return error
    state = _state()
    zns = zns_state(state)
    with state.lock:
        _refill(state, zns)
        return _ok(_quota_view(zns))


# --- control (not Zalo's) -------------------------------------------------------------------------------------

control = Blueprint("sandbox_zns", __name__, url_prefix="/_sandbox/zns")


@control.post("/templates")
def put_template():
    """Create or replace a template: {"template_id"?, "name", "status"?, "params": [listParams entries], "tag"?}."""
    state, body = _state(), request.get_json(silent=True) or {}
    template_id = str(body.get("template_id") or secrets.randbelow(900000) + 100000)
    params = [{"name": p["name"], "require": bool(p.get("require", True)), "type": p.get("type", "STRING"),
               "maxLength": int(p.get("maxLength", 30)), "minLength": int(p.get("minLength", 0)),
               "acceptNull": bool(p.get("acceptNull", False))} for p in body.get("params") or []]
    with state.lock:
        zns = zns_state(state)
        created = zns.templates.get(template_id, {}).get("createdTime") or int(state.clock() * 1000) + len(zns.templates)
        zns.templates[template_id] = {
            "templateId": template_id, "templateName": body.get("name") or f"Mẫu {template_id}",
            "status": body.get("status") or "ENABLE", "reason": "", "listParams": params, "listButtons": [],
            "timeout": 7200000, "previewUrl": f"https://account.zalo.cloud/znspreview/{template_id}",
            "templateQuality": "HIGH", "templateTag": body.get("tag") or "TRANSACTION", "price": "200",
            "applyTemplateQuota": False, "createdTime": created}
        return jsonify(zns.templates[template_id]), 201


@control.post("/quota")
def set_quota():
    """{"daily": n, "remaining": m}: today's quota (the next local midnight refills `daily`)."""
    state, body = _state(), request.get_json(silent=True) or {}
    with state.lock:
        zns = zns_state(state)
        _refill(state, zns)
        zns.daily_quota = int(body.get("daily", zns.daily_quota))
        zns.remaining = int(body.get("remaining", zns.daily_quota))
        return jsonify(_quota_view(zns))


@control.get("/messages")
def sent_messages():
    with _state().lock:
        return jsonify(list(zns_state(_state()).sent))


def receipt_event(state, sent: dict) -> dict:
    """`user_received_message` for a ZNS message: recipient is the phone, `tracking_id` echoed, `delivery_time`."""
    now = str(int(state.clock() * 1000))
    return {"sender": {"id": state.oa_id}, "recipient": {"id": sent["phone"]}, "event_name": "user_received_message",
            "message": {"delivery_time": now, "msg_id": sent["msg_id"], "tracking_id": sent["tracking_id"]},
            "app_id": state.app_id, "timestamp": now}


@control.post("/receipts")
def deliver_receipt():
    """The customer's phone got ZNS message `msg_id`: post the signed event (header `X-ZEvent-Server: ZNS`)."""
    state, body = _state(), request.get_json(silent=True) or {}
    sent = next((m for m in zns_state(state).sent if m["msg_id"] == body.get("msg_id")), None)
    if sent is None:
        return jsonify({"error": "unknown msg_id"}), 404
    url = body.get("webhook_url") or state.webhook_url
    if not url:
        return jsonify({"error": "no webhook URL: POST /_sandbox/webhook {\"url\": ...} first"}), 409
    payload = receipt_event(state, sent)
    raw = encode(payload)
    try:
        response = requests.post(url, data=raw, timeout=(2, 5), headers={
            "Content-Type": "application/json", "X-ZEvent-Signature": sign(state, raw, payload),
            "X-ZEvent-Server": "ZNS"})
    except requests.RequestException as exc:
        return jsonify({"error": f"webhook not reachable: {type(exc).__name__}", "event": payload}), 502
    response.close()
    return jsonify({"delivered": response.status_code, "event": payload})
