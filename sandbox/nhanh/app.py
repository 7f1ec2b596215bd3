"""The Nhanh.vn Open API v2.0 as its documentation describes it (https://apidocs.nhanh.vn/v2): every call a POST
of form fields `version=2.0`, `appId`, `businessId`, `accessToken` and `data` (a JSON string), answered
`{"code": 1, "data": …}` or `{"code": 0, "errorCode": …, "messages": […]}`. `/api/customer/add` takes up to 50
customers and uses `mobile` as their key (adding or updating); `/api/customer/search` pages them (`page`, `icpp`
≤ 50, optional `mobile`). Calls over the limit in a 30-second window are refused with `ERR_429` and the seconds
the app is locked for. `/_sandbox/state` shows what it holds."""
from __future__ import annotations

import json
import math
import re

from flask import Blueprint, Flask, current_app, g, jsonify, request

from ..faults import drop_after, play
from .state import NhanhState

api = Blueprint("nhanh_api", __name__, url_prefix="/api")
MOBILE = re.compile(r"^0\d{9}$")
MAX_ADD, MAX_PAGE = 50, 50


def _state() -> NhanhState:
    return current_app.config["NHANH_STATE"]


def _failed(error_code: str, *messages: str, status: int = 200, **data):
    response = jsonify({"code": 0, "errorCode": error_code, "messages": list(messages), **({"data": data} if data
                                                                                              else {})})
    response.status_code = status
    return response


@api.before_request
def _authenticate_limit_and_play_faults():
    state = g.state = _state()
    form = request.form
    if form.get("version") != "2.0":
        return _failed("ERR_INVALID_VERSION", "version phải là 2.0")
    if (form.get("appId") != state.app_id or form.get("businessId") != state.business_id
            or form.get("accessToken") != state.access_token):
        return _failed("ERR_INVALID_ACCESS_TOKEN", "accessToken không hợp lệ hoặc đã hết hạn")
    if (locked := state.take_call(request.path)) is not None:
        return _failed("ERR_429", "Vượt quá giới hạn gọi API", lockedSeconds=math.ceil(locked))
    try:
        g.data = json.loads(form.get("data") or "null")
    except ValueError:
        return _failed("ERR_INVALID_DATA", "invalid data")
    return play(state, _refuse, state.take_fault())


def _refuse(status: int, message: str, **_headers):
    """A fault in Nhanh's shape: a throttle is its ERR_429 (HTTP 200, `lockedSeconds`), a failure an HTTP 500."""
    if status == 429:
        return _failed("ERR_429", message, lockedSeconds=g.state.retry_after)
    return _failed("ERR_500", message, status=status)


api.after_request(drop_after)


@api.post("/customer/add")
def add_customers():
    customers = g.data
    if not isinstance(customers, list) or not 1 <= len(customers) <= MAX_ADD:
        return _failed("ERR_INVALID_DATA", f"data là mảng từ 1 đến {MAX_ADD} khách hàng")
    for customer in customers:
        if not isinstance(customer, dict) or not str(customer.get("name") or "").strip():
            return _failed("ERR_INVALID_DATA", "name là bắt buộc")
        if not MOBILE.match(str(customer.get("mobile") or "")):
            return _failed("ERR_INVALID_DATA", f"mobile {customer.get('mobile')!r} không hợp lệ")
    stored = [g.state.upsert(customer) for customer in customers]
    return jsonify({"code": 1, "data": {"ids": [customer["id"] for customer in stored]}})


@api.post("/customer/search")
def search_customers():
    query = g.data if isinstance(g.data, dict) else {}
    page, per_page = int(query.get("page") or 1), int(query.get("icpp") or 10)
    if page < 1 or not 1 <= per_page <= MAX_PAGE:
        return _failed("ERR_INVALID_DATA", f"icpp từ 1 đến {MAX_PAGE}")
    with g.state.lock:
        rows = sorted(g.state.customers.values(), key=lambda c: c["id"])
    if query.get("mobile"):
        rows = [c for c in rows if c["mobile"] == query["mobile"]]
    chunk = rows[(page - 1) * per_page: page * per_page]
    return jsonify({"code": 1, "data": {"totalPages": max(1, math.ceil(len(rows) / per_page)), "page": page,
                                        "customers": {str(c["id"]): c for c in chunk}}})


controls = Blueprint("nhanh_controls", __name__, url_prefix="/_sandbox")


@controls.get("/state")
def show_state():
    state = _state()
    return jsonify({"customers": list(state.customers.values()), "writes": state.writes,
                    "violations": state.violations})


def create_nhanh_app(state: NhanhState) -> Flask:
    app = Flask("sandbox.nhanh")
    app.config["NHANH_STATE"] = state
    app.register_blueprint(api)
    app.register_blueprint(controls)
    return app
