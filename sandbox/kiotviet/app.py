"""The KiotViet Public API as its documentation describes it
(https://www.kiotviet.vn/huong-dan-su-dung-public-api-retail/):
`POST /connect/token` (OAuth2 client credentials, scope `PublicApi.Access`) on the identity host, and on the API
host, with `Retailer` and `Authorization: Bearer` on every call, customers (`GET /customers` filtered by `code`
or `contactNumber`, `pageSize` ≤ 100 from `currentItem`; `POST /customers`; `PUT /customers/{id}`) and invoices
(`GET /invoices` since `lastModifiedFrom`). Errors are `{"responseStatus": {"errorCode", "message"}}`.
One app serves both hosts here; `/_sandbox/` holds the controls tests use."""
from __future__ import annotations

import re

from flask import Blueprint, Flask, current_app, g, jsonify, request

from ..faults import drop_after, play
from .state import KiotVietState

api = Blueprint("kiotviet_api", __name__)
MAX_PAGE = 100
PHONE = re.compile(r"^0\d{9}$")  # a Vietnamese number as shops type it: 10 digits from 0


def _state() -> KiotVietState:
    return current_app.config["KIOTVIET_STATE"]


def _error(status: int, code: str, message: str, **headers):
    response = jsonify({"responseStatus": {"errorCode": code, "message": message}})
    response.status_code = status
    response.headers.update(headers)
    return response


@api.post("/connect/token")
def token():
    state, form = _state(), request.form
    if (form.get("grant_type") != "client_credentials" or form.get("scopes") != "PublicApi.Access"
            or form.get("client_id") != state.client_id or form.get("client_secret") != state.client_secret):
        return jsonify({"error": "invalid_client"}), 400
    return jsonify({"access_token": state.issue_token(), "expires_in": 86400, "token_type": "Bearer"})


@api.before_request
def _authenticate_and_play_faults():
    if request.path == "/connect/token":
        return None
    state = g.state = _state()
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if request.headers.get("Retailer") != state.retailer or scheme != "Bearer" or given not in state.tokens:
        return _error(401, "Unauthorized", "Token không hợp lệ hoặc đã hết hạn")
    if request.method == "GET":
        state.count_get(request.path)
    fault = state.take_fault() if request.method in state.fault_methods else None
    return play(state, lambda status, message, **headers: _error(
        status, "InternalServerError" if status == 500 else "TooManyRequests", message, **headers), fault)


api.after_request(drop_after)


def _page(rows: list[dict]):
    try:
        size, start = int(request.args.get("pageSize", 20)), int(request.args.get("currentItem", 0))
    except ValueError:
        return _error(400, "BadRequest", "pageSize và currentItem là số")
    if not 1 <= size <= MAX_PAGE or start < 0:
        return _error(400, "BadRequest", f"pageSize từ 1 đến {MAX_PAGE}")
    return jsonify({"total": len(rows), "pageSize": size, "data": rows[start:start + size]})


@api.get("/customers")
def list_customers():
    return _page(g.state.find(code=request.args.get("code"), contactNumber=request.args.get("contactNumber")))


def _checked(body) -> str | None:
    if not isinstance(body, dict) or not str(body.get("name") or "").strip():
        return "Tên khách hàng không được để trống"
    if body.get("contactNumber") and not PHONE.match(body["contactNumber"]):
        return "Số điện thoại không hợp lệ"
    return None


@api.post("/customers")
def create_customer():
    body = request.get_json(silent=True)
    if problem := _checked(body):
        return _error(400, "BadRequest", problem)
    if body.get("code") and g.state.find(code=body["code"]):
        return _error(400, "BadRequest", f"Mã khách hàng {body['code']} đã tồn tại")
    return jsonify({"message": "Thêm mới khách hàng thành công", "data": g.state.create(body)})


@api.put("/customers/<int:customer_id>")
def update_customer(customer_id: int):
    body = request.get_json(silent=True)
    if problem := _checked(body):
        return _error(400, "BadRequest", problem)
    with g.state.lock:
        customer = g.state.customers.get(customer_id)
        if customer is None:
            return _error(404, "NotFound", "Khách hàng không tồn tại")
        customer.update({k: v for k, v in body.items() if k not in ("id", "code", "retailerId")})
    return jsonify({"message": "Cập nhật thành công", "data": customer})


@api.get("/invoices")
def list_invoices():
    since = request.args.get("lastModifiedFrom", "")
    rows = sorted((i for i in g.state.invoices if i["modifiedDate"] >= since),
                  key=lambda i: (i["modifiedDate"], i["id"]))
    return _page(rows)


controls = Blueprint("kiotviet_controls", __name__, url_prefix="/_sandbox")


@controls.get("/state")
def show_state():
    state = _state()
    return jsonify({"customers": list(state.customers.values()), "created": state.created,
                    "violations": state.violations, "tokens_issued": state.tokens_issued})


def create_kiotviet_app(state: KiotVietState) -> Flask:
    app = Flask("sandbox.kiotviet")
    app.config["KIOTVIET_STATE"] = state
    app.register_blueprint(api)
    app.register_blueprint(controls)
    return app
