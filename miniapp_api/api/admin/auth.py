"""Staff login and logout. Browsers get an HttpOnly cookie plus a CSRF token; scripts use the bearer token."""
from __future__ import annotations

from flask import current_app, make_response, request
from flask_smorest import Blueprint

from ...errors import Problem
from ...extensions import db
from ...models.staff import ROLES
from ...schemas.staff import LoginRequest, LoginResponse, SessionInfo, StaffSchema
from ...services.staff import access, login_throttle
from ...services import audit
from ...services.transactions import run_in_transaction
from .access import SESSION_COOKIE, STAFF_SECURITY, current, public, require

blp = Blueprint("admin_auth", __name__, url_prefix="/api/v1/admin/auth", description="Staff login")


@blp.route("/login", methods=["POST"])
@public
@blp.arguments(LoginRequest)
@blp.response(200, LoginResponse)
@blp.alt_response(401, description="Wrong email or password")
@blp.alt_response(429, description="Too many failed attempts; see Retry-After")
def login(body):
    """Log in with email and password.

    Failed logins are limited per client address and per account (`LOGIN_RATE_LIMIT`; docs/staff.md):
    the attempt is counted before the password is checked, and given back unless it fails.
    """
    counters = login_throttle.for_app(current_app)
    slots = throttled(counters, login_throttle.keys(request.remote_addr, body["email"]))
    try:
        result = run_in_transaction(db.session, lambda: access.login(
            db.session, body["email"], body["password"], ip=request.remote_addr,
            user_agent=request.headers.get("User-Agent")))
    except Exception:
        counters.give_back(slots)  # not a wrong password: the database or the code failed
        raise
    if result is None:
        raise Problem(401, "Wrong email or password.", title="Unauthorized",
                      detail_vi="Sai email hoặc mật khẩu.")
    counters.give_back(slots)
    return signed_in(result)


def throttled(counters, keys: list[str]):
    """Take a failed-attempt slot in each counter, or answer 429 saying when to try again."""
    try:
        return counters.take(keys)
    except login_throttle.TooManyAttempts as exc:
        minutes, seconds = divmod(exc.retry_after, 60)
        wait_en = " ".join([f"{minutes} min"] * bool(minutes) + [f"{seconds} s"] * bool(seconds or not minutes))
        wait_vi = " ".join([f"{minutes} phút"] * bool(minutes) + [f"{seconds} giây"] * bool(seconds or not minutes))
        raise Problem(429, f"Too many failed logins; try again in {wait_en}.",
                      title="Too Many Requests", headers={"Retry-After": str(exc.retry_after)},
                      detail_vi=f"Đăng nhập sai quá nhiều lần; hãy thử lại sau {wait_vi}.") from exc


def signed_in(result: access.Login, status: int = 200):
    """The login answer: the bearer token and CSRF token in the body, the session in an HttpOnly cookie."""
    payload = LoginResponse().dump({"token": result.token, "csrf_token": result.csrf_token,
                                    "expires_at": result.expires_at, "staff": result.staff})
    response = make_response(payload, status)
    response.set_cookie(SESSION_COOKIE, result.token, httponly=True, samesite="Lax", path="/api/v1/admin",
                        secure=current_app.config["PUBLIC_BASE_URL"].startswith("https"),
                        expires=result.expires_at)
    return response


@blp.route("/logout", methods=["POST"])
@require(roles=ROLES)
@blp.response(204)
@blp.doc(security=STAFF_SECURITY)
def logout():
    """End this session (the token and the cookie stop working)."""
    principal = current()

    def work():
        access.logout(db.session, principal.session)
        audit.record(db.session, "staff.logout", "staff", principal.id)

    run_in_transaction(db.session, work)
    response = make_response("", 204)
    response.delete_cookie(SESSION_COOKIE, path="/api/v1/admin")
    return response


@blp.route("/me")
@require(roles=ROLES)
@blp.response(200, StaffSchema)
@blp.doc(security=STAFF_SECURITY)
def me():
    """The logged-in staff account."""
    return current().staff


@blp.route("/session")
@require(roles=ROLES)
@blp.response(200, SessionInfo)
@blp.doc(security=STAFF_SECURITY)
def session_info():
    """This session's account, expiry and CSRF token.

    The console calls it when a page is (re)loaded: the HttpOnly cookie survives a reload but the CSRF token
    the login answered does not. Reading it needs the session itself, and the admin API sends no CORS
    headers, so another site can neither call this with the cookie and read the answer nor forge a change.
    """
    principal = current()
    return {"csrf_token": principal.session.csrf_token, "expires_at": principal.session.expires_at,
            "staff": principal.staff}
