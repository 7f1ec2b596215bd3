"""First run: while no owner exists, the console creates one with the setup code `make run` prints.

Public routes (there is nobody to log in as yet). A wrong code counts as a failed
login for the caller's address (`LOGIN_RATE_LIMIT`), and the new owner is signed
in exactly as by `POST /auth/login` (cookie, CSRF token, bearer token).
"""
from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ...errors import Problem, ValidationProblem
from ...extensions import db
from ...schemas.base import Schema
from ...schemas.staff import LoginResponse
from ...services import audit
from ...services.staff import access, login_throttle, setup
from ...services.transactions import run_in_transaction
from .access import public
from .auth import signed_in, throttled

blp = Blueprint("admin_setup", __name__, url_prefix="/api/v1/admin/setup", description="First run")


class SetupState(Schema):
    needed = fields.Boolean(metadata={"description": "No owner account exists: the console offers to create one"})


class SetupRequest(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40), load_only=True,
                         metadata={"description": "The setup code `make run` (or `flask staff setup-code`) printed"})
    email = fields.Email(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=1000))


@blp.route("")
@public
@blp.response(200, SetupState)
def setup_state():
    """Whether the shop still needs its first owner."""
    return {"needed": not setup.owner_exists(db.session)}


@blp.route("", methods=["POST"])
@public
@blp.arguments(SetupRequest)
@blp.response(201, LoginResponse)
@blp.alt_response(403, description="Wrong or expired setup code")
@blp.alt_response(409, description="An owner exists already")
@blp.alt_response(429, description="Too many wrong codes; see Retry-After")
def create_owner(body):
    """Create the first owner with the setup code (used up), and sign them in."""
    counters = login_throttle.for_app(current_app)
    slots = throttled(counters, login_throttle.keys(request.remote_addr, "setup-code"))

    def work():
        owner = setup.create_first_owner(db.session, body["code"], email=body["email"], name=body["name"],
                                         password=body["password"])
        audit.record(db.session, "staff.setup_owner", "staff", owner.id)
        return access.login(db.session, body["email"], body["password"], ip=request.remote_addr,
                            user_agent=request.headers.get("User-Agent"))

    wrong_code = False  # only a wrong or expired code keeps its failed-attempt slot
    try:
        result = run_in_transaction(db.session, work, attempts=1)
    except setup.SetupRefused as refused:
        wrong_code = refused.reason == "code"
        if wrong_code:
            raise Problem(403, "Wrong or expired setup code.", title="Forbidden",
                          detail_vi="Mã thiết lập không đúng hoặc đã hết hạn. Chạy lại make run để có mã mới.") from refused
        raise Problem(409, "The shop has an owner already; sign in instead.", title="Conflict",
                      detail_vi="Cửa hàng đã có tài khoản chủ; hãy đăng nhập.") from refused
    except access.AccessError as exc:
        raise ValidationProblem({"password" if "password" in str(exc) else "email": [str(exc)]}) from exc
    finally:
        if not wrong_code:
            counters.give_back(slots)
    return signed_in(result, 201)
