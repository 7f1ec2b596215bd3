"""Checks every request passes before any view runs, whatever blueprint serves it.

- A JSON body is decoded once through `json_body.loads` (depth limit, strict
  UTF-8): a body that fails is a 400 here, so no later reader (webargs,
  `get_json`, a rate-limit key) meets it, and every later `get_json` gets
  this decoded value back instead of decoding the body again.
- Path parameters and the query string follow the shared text rule of
  `schemas.base` (no NUL, control characters or unpaired surrogates): a 422
  naming the parameter, before a database ever sees the value.
"""
from __future__ import annotations

from flask import Flask, Request, request

from ..errors import Problem, ValidationProblem
from ..schemas.base import unstorable_text
from . import json_body


class JsonRequest(Request):
    """Flask's request, answering a body `json_body` refuses with a problem+json 400 that says why."""

    def on_json_loading_failed(self, e):
        if isinstance(e, json_body.NotJson):
            raise Problem(400, f"The body was refused: {e}.", title="Bad Request") from e
        return super().on_json_loading_failed(e)


def init_app(app: Flask) -> None:
    app.json = json_body.JsonProvider(app)
    app.request_class = JsonRequest
    app.url_value_preprocessor(_check_path)
    app.before_request(_check_query_and_body)


def _check_path(endpoint, values) -> None:
    if values and (problems := unstorable_text(values)):
        raise ValidationProblem(problems, "Some path parameters are invalid: " + ", ".join(sorted(problems)))


def _check_query_and_body() -> None:
    if problems := unstorable_text(request.args):
        raise ValidationProblem(problems, "Some query parameters are invalid: " + ", ".join(sorted(problems)))
    if request.is_json and request.get_data(cache=True):
        request.get_json()  # decoded and kept for the view and webargs (a refusal: `JsonRequest`)
