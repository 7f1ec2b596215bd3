"""Errors as RFC 9457 problem details (`application/problem+json`).

Every error the API returns, whether raised by our code, by request parsing
(webargs) or by Werkzeug, leaves through `ProblemApi.handle_http_exception`, so
clients see a single shape: `type`, `title`, `status`, `detail` and, for 422,
`errors` keyed by field name.
"""
from __future__ import annotations

import http
import logging

import marshmallow as ma
from apispec import BasePlugin
from flask import current_app, jsonify
from flask_smorest import Api
from werkzeug.exceptions import HTTPException, InternalServerError

from .schemas.base import Schema

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"


class Problem(HTTPException):
    """An error the API reports to its caller as problem+json."""

    def __init__(self, status: int, detail: str, *, title: str | None = None,
                 errors: dict | None = None, type_: str = "about:blank", headers: dict | None = None):
        super().__init__(description=detail)
        self.code = status
        self.title = title
        self.errors = errors
        self.type_ = type_
        self.extra_headers = headers or {}


class ValidationProblem(Problem):
    """The request was understood but some fields are invalid."""

    def __init__(self, errors: dict, detail: str = "Some fields are invalid."):
        super().__init__(422, detail, title="Unprocessable Content", errors=errors)


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


def problem_response(status: int, title: str, detail: str, *, errors: dict | None = None,
                     type_: str = "about:blank", headers: dict | None = None):
    body = {"type": type_, "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MIMETYPE
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
                error.code, error.title or error.name, error.description,
                errors=error.errors, type_=error.type_, headers=error.extra_headers)
        data = getattr(error, "data", None) or {}
        errors = data.get("errors")
        if errors is None and "messages" in data:
            errors = flatten_webargs_errors(data["messages"])
        detail = data.get("message") or error.description or error.name
        if error.code == 422 and errors:
            detail = "Some fields are invalid: " + ", ".join(sorted(map(str, errors)))
        headers = dict(data.get("headers") or {})
        if getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(error.valid_methods)
        return problem_response(error.code or 500, error.name, detail, errors=errors, headers=headers)
