"""Who is calling: staff (bearer token or HttpOnly cookie + CSRF) or an integrator API key.

Every staff route is wrapped in `require(...)`, which marks the view with its
policy; a test walks the URL map and fails on any `/api/v1/admin` route (and, once
they exist, `/api/v1/integrations` routes) without one, so nothing is left open by
accident.
"""
from __future__ import annotations

import dataclasses
import functools
import hmac

from flask import current_app, g, has_app_context, request

from ...errors import Problem, problem_type
from ...extensions import db
from ...models.staff import ROLES, VIEWER, ApiKey, StaffSession, StaffUser
from ...services.staff import access

CSRF_FAILED = problem_type(
    "csrf-token-missing", 403, "CSRF token missing or wrong", "Thiếu hoặc sai mã CSRF",
    "Thay đổi dùng cookie phải kèm header X-CSRF-Token nhận được khi đăng nhập.")
ROLE_REQUIRED = problem_type(
    "role-required", 403, "Your role does not allow this", "Vai trò của bạn không được phép",
    "Vai trò của tài khoản này không được phép làm việc này.")
SCOPE_REQUIRED = problem_type(
    "scope-required", 403, "The API key lacks the scope", "Khóa API thiếu phạm vi",
    "Khóa API này không có phạm vi (scope) cần cho đường dẫn này.")
STAFF_ONLY = problem_type(
    "staff-only", 403, "Only staff accounts may do this", "Chỉ tài khoản nhân viên được làm việc này",
    "Đường dẫn này dành cho tài khoản nhân viên; khóa API không dùng được.")

SESSION_COOKIE = "staff_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
STAFF_SECURITY = [{"staffBearer": []}, {"staffCookie": []}]


@dataclasses.dataclass
class Principal:
    kind: str  # "staff" | "api_key"
    id: int
    label: str
    role: str | None = None
    scopes: tuple[str, ...] = ()
    staff: StaffUser | None = None
    session: StaffSession | None = None
    api_key: ApiKey | None = None


def _bearer() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticate() -> Principal | None:
    """The caller, from a bearer token (staff session or API key) or the session cookie."""
    token = _bearer()
    from_cookie = token is None
    token = token or request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    if token.startswith(access.API_KEY_PREFIX) and not from_cookie:
        key = access.api_key_for_secret(db.session, token)
        if key is None:
            return None
        access.record_key_use(db.session, key, request.method, request.path, request.remote_addr)
        db.session.commit()
        return Principal("api_key", key.id, f"api_key:{key.prefix}", scopes=tuple(key.scopes), api_key=key)
    record = access.session_for_token(db.session, token)
    if record is None:
        return None
    if from_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), record.csrf_token.encode()):
            raise Problem(403, f"Cookie-authenticated changes need the {CSRF_HEADER} header from login.",
                          kind=CSRF_FAILED)
    staff = record.staff
    return Principal("staff", staff.id, staff.email, role=staff.role, staff=staff, session=record)


def require(*, roles: tuple[str, ...] = (), scope: str | None = None):
    """Allow staff with one of `roles`, and API keys holding `scope`; 401 anonymous, 403 otherwise."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = authenticate()
            if principal is None:
                raise Problem(401, "Log in (POST /api/v1/admin/auth/login) or send an API key as a Bearer token.",
                              detail_vi="Hãy đăng nhập (POST /api/v1/admin/auth/login) hoặc gửi khóa API dạng "
                              "Bearer.", headers={"WWW-Authenticate": "Bearer"})
            if principal.kind == "staff" and principal.role not in roles:
                raise Problem(403, f"This needs role {' or '.join(roles)}.", kind=ROLE_REQUIRED,
                              detail_vi=f"Việc này cần vai trò {' hoặc '.join(roles)}.")
            if principal.kind == "api_key" and scope is None:
                raise Problem(403, "API keys cannot use this route; it is for staff accounts.", kind=STAFF_ONLY)
            if principal.kind == "api_key" and scope not in principal.scopes:
                raise Problem(403, f"This needs scope {scope}.", kind=SCOPE_REQUIRED,
                              detail_vi=f"Việc này cần phạm vi {scope}.")
            g.principal = principal
            return view(*args, **kwargs)

        wrapper.__access__ = {"roles": tuple(roles), "scope": scope}
        return wrapper

    return decorator


def public(view):
    """Mark a route under the protected prefixes as deliberately open (login)."""
    view.__access__ = {"public": True}
    return view


def current() -> Principal:
    return g.principal


def phones_masked() -> bool:
    """Viewers see phone numbers masked unless the owner allows full ones (`VIEWERS_SEE_FULL_PHONES`)."""
    principal = g.get("principal") if has_app_context() else None
    return (principal is not None and principal.kind == "staff" and principal.role == VIEWER
            and not current_app.config.get("VIEWERS_SEE_FULL_PHONES"))
