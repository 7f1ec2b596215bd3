"""Errors as RFC 9457 problem details (`application/problem+json`).

Every error the API returns, whether raised by our code, by request parsing
(webargs) or by Werkzeug, leaves through `ProblemApi.handle_http_exception`, so
clients see a single shape: `type`, `title`, `status`, `detail` and, for 422,
`errors` keyed by field name.

`type` is always a stable URI from one registry (`PROBLEM_TYPES`, listed in
docs/problems.md, which a test keeps in step): a generic one per HTTP status, or
a specific one where a client must tell cases apart (a conversation held by
someone else, closed, or only a manager may take it over). A request that prefers
Vietnamese (`Accept-Language: vi`) gets the Vietnamese `title` and `detail`.
"""
from __future__ import annotations

import dataclasses
import http
import logging

import marshmallow as ma
from apispec import BasePlugin
from flask import current_app, has_request_context, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from .schemas.base import Schema

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:problem:"
LANGUAGES = ("en", "vi")  # English unless the request prefers Vietnamese


@dataclasses.dataclass(frozen=True)
class ProblemType:
    """One kind of problem: the URI clients branch on, its titles, and a Vietnamese detail for when none is given."""

    slug: str
    status: int
    title: str
    title_vi: str
    detail_vi: str

    @property
    def uri(self) -> str:
        return PROBLEM_TYPE_PREFIX + self.slug


PROBLEM_TYPES: dict[str, ProblemType] = {}


def problem_type(slug: str, status: int, title: str, title_vi: str, detail_vi: str) -> ProblemType:
    """Register a problem type; modules declare theirs at import. Each one must be listed in docs/problems.md."""
    kind = ProblemType(slug, status, title, title_vi, detail_vi)
    if PROBLEM_TYPES.setdefault(slug, kind) != kind:
        raise ValueError(f"problem type {slug!r} is registered twice, differently")
    return kind


# Generic types, one per HTTP status the API can answer; specific types are registered beside the code raising them.
_GENERIC = {
    400: ("bad-request", "Yêu cầu không hợp lệ", "Yêu cầu không đúng định dạng."),
    401: ("unauthorized", "Chưa xác thực", "Cần đăng nhập hoặc gửi khóa API hợp lệ."),
    403: ("forbidden", "Không có quyền", "Tài khoản hoặc khóa API này không được phép làm việc này."),
    404: ("not-found", "Không tìm thấy", "Không tìm thấy đối tượng được yêu cầu."),
    405: ("method-not-allowed", "Phương thức không được hỗ trợ", "Đường dẫn này không nhận phương thức đó."),
    406: ("not-acceptable", "Không thể đáp ứng định dạng", "Không có định dạng trả về phù hợp với yêu cầu."),
    409: ("conflict", "Xung đột", "Trạng thái hiện tại không cho phép thao tác này."),
    410: ("gone", "Không còn tồn tại", "Đối tượng này không còn nữa."),
    412: ("precondition-failed", "Điều kiện không thỏa", "Điều kiện kèm theo yêu cầu không thỏa."),
    413: ("payload-too-large", "Nội dung quá lớn", "Nội dung gửi lên vượt quá giới hạn cho phép."),
    414: ("uri-too-long", "Đường dẫn quá dài", "Đường dẫn yêu cầu quá dài."),
    415: ("unsupported-media-type", "Định dạng không được hỗ trợ", "Hãy gửi nội dung JSON."),
    422: ("validation", "Dữ liệu không hợp lệ", "Một số trường không hợp lệ."),
    428: ("precondition-required", "Thiếu điều kiện", "Yêu cầu này cần kèm điều kiện."),
    429: ("too-many-requests", "Quá nhiều yêu cầu", "Quá nhiều yêu cầu; hãy thử lại sau."),
    500: ("internal", "Lỗi máy chủ", "Đã có lỗi xảy ra; hãy thử lại sau."),
    501: ("not-implemented", "Chưa hỗ trợ", "Máy chủ chưa hỗ trợ thao tác này."),
    502: ("bad-gateway", "Lỗi dịch vụ bên ngoài", "Dịch vụ bên ngoài trả về dữ liệu không hợp lệ."),
    503: ("unavailable", "Tạm thời không phục vụ được", "Dịch vụ tạm thời không sẵn sàng; hãy thử lại sau."),
    504: ("gateway-timeout", "Dịch vụ bên ngoài không trả lời", "Dịch vụ bên ngoài không trả lời kịp."),
}
GENERIC_TYPES = {status: problem_type(slug, status, HTTP_STATUS_CODES[status], title_vi, detail_vi)
                 for status, (slug, title_vi, detail_vi) in _GENERIC.items()}


def generic_type(status: int) -> ProblemType:
    """The generic type of an HTTP status (a 4xx/5xx without one of its own falls back to its class)."""
    return GENERIC_TYPES.get(status) or GENERIC_TYPES[500 if status >= 500 else 400]


def prefers_vietnamese() -> bool:
    return has_request_context() and request.accept_languages.best_match(LANGUAGES) == "vi"


class Problem(HTTPException):
    """An error the API reports to its caller as problem+json.

    `kind` is the registered type (default: the generic one of `status`); `detail_vi` the Vietnamese detail
    (default: the type's); `extra` adds members to the body (e.g. who holds a conversation).
    """

    def __init__(self, status: int, detail: str, *, title: str | None = None, errors: dict | None = None,
                 kind: ProblemType | None = None, detail_vi: str | None = None, extra: dict | None = None,
                 headers: dict | None = None):
        super().__init__(description=detail)
        self.code = status
        self.kind = kind or generic_type(status)
        self.title = title or self.kind.title
        self.detail_vi = detail_vi
        self.errors = errors
        self.extra = extra or {}
        self.extra_headers = headers or {}


class ValidationProblem(Problem):
    """The request was understood but some fields are invalid."""

    def __init__(self, errors: dict, detail: str = "Some fields are invalid."):
        super().__init__(422, detail, title="Unprocessable Content", errors=errors,
                         detail_vi="Một số trường không hợp lệ: " + ", ".join(sorted(map(str, errors))))


class ProblemSchema(Schema):
    """The problem+json body (documentation only)."""

    type = ma.fields.String(metadata={"description": "URI identifying the problem type"})
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    errors = ma.fields.Dict(metadata={"description": "Per-field messages (422 only)"})


def flatten_webargs_errors(messages: dict) -> dict:
    """webargs nests errors by location ({"json": {"phone": [...]}}); callers want fields."""
    flat: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


def problem_response(status: int, title: str, detail: str, *, kind: ProblemType | None = None,
                     detail_vi: str | None = None, errors: dict | None = None, extra: dict | None = None,
                     headers: dict | None = None):
    """The problem+json response, in Vietnamese when the request prefers it."""
    kind = kind or generic_type(status)
    vietnamese = prefers_vietnamese()
    if vietnamese:
        title, detail = kind.title_vi, detail_vi or kind.detail_vi
    body = {"type": kind.uri, "title": title, "status": status, "detail": detail, **(extra or {})}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MIMETYPE
    response.headers["Content-Language"] = "vi" if vietnamese else "en"
    response.vary.add("Accept-Language")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


class ProblemResponses(BasePlugin):
    """Documents every error response of every operation as `application/problem+json` with the Problem body."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            for status, response in operation.get("responses", {}).items():
                if isinstance(response, dict) and _is_error(status) and "content" not in response:
                    response["content"] = {PROBLEM_MIMETYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _is_error(status) -> bool:
    return str(status) == "default" or str(status) >= "400"


class ProblemApi(Api):
    """flask-smorest's Api, answering errors as problem+json (and saying so in the OpenAPI document)."""

    ERROR_SCHEMA = ProblemSchema

    def init_app(self, app, *, spec_kwargs=None):
        spec_kwargs = dict(spec_kwargs or {})
        spec_kwargs["extra_plugins"] = [*spec_kwargs.get("extra_plugins", ()), ProblemResponses()]
        super().init_app(app, spec_kwargs=spec_kwargs)

    def _register_responses(self):
        """flask-smorest's shared responses (`UNPROCESSABLE_ENTITY`, `DEFAULT_ERROR`, …) in problem+json."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["content"] = {PROBLEM_MIMETYPE: {"schema": self.ERROR_SCHEMA}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response("DEFAULT_ERROR", {
            "description": "Default error response",
            "content": {PROBLEM_MIMETYPE: {"schema": self.ERROR_SCHEMA}}}, lazy=True)

    def _register_error_handlers(self):
        super()._register_error_handlers()
        self._app.register_error_handler(Exception, self.handle_unexpected)

    def handle_unexpected(self, error: Exception):
        if isinstance(error, HTTPException):
            return self.handle_http_exception(error)
        current_app.logger.exception("unhandled error")
        return self.handle_http_exception(InternalServerError())

    def handle_http_exception(self, error: HTTPException):
        if isinstance(error, Problem):
            return problem_response(
                error.code, error.title, error.description, kind=error.kind, detail_vi=error.detail_vi,
                errors=error.errors, extra=error.extra, headers=error.extra_headers)
        data = getattr(error, "data", None) or {}
        errors = data.get("errors")
        if errors is None and "messages" in data:
            errors = flatten_webargs_errors(data["messages"])
        detail = data.get("message") or error.description or error.name
        detail_vi = None
        if error.code == 422 and errors:
            fields = ", ".join(sorted(map(str, errors)))
            detail, detail_vi = f"Some fields are invalid: {fields}", f"Một số trường không hợp lệ: {fields}"
        headers = dict(data.get("headers") or {})
        if getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(error.valid_methods)
        return problem_response(error.code or 500, error.name, detail, detail_vi=detail_vi, errors=errors,
                                headers=headers)
