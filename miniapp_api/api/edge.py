"""Checks every request passes before any view runs, whatever blueprint serves it.

- A JSON body is decoded once through `json_body.loads` (depth limit, strict
  UTF-8): a body that fails is a 400 here, so no later reader (webargs,
  `get_json`, a rate-limit key) meets it.
- Path parameters and the query string follow the shared text rule of
  `schemas.base` (no NUL, control characters or unpaired surrogates): a 422
  naming the parameter, before a database ever sees the value.
"""
from __future__ import annotations

from flask import Flask, request

from ..errors import Problem, ValidationProblem
from ..schemas.base import unstorable_text
from . import json_body


def init_app(app: Flask) -> None:
    app.json = json_body.JsonProvider(app)
    app.url_value_preprocessor(_check_path)
    app.before_request(_check_query_and_body)


def _check_path(endpoint, values) -> None:
    if values and (problems := unstorable_text(values)):
        raise ValidationProblem(problems, "Some path parameters are invalid: " + ", ".join(sorted(problems)))


def _check_query_and_body() -> None:
    if problems := unstorable_text(request.args):
        raise ValidationProblem(problems, "Some query parameters are invalid: " + ", ".join(sorted(problems)))
    if request.is_json and (body := request.get_data(cache=True)):
        try:
            json_body.loads(body)
        except json_body.NotJson as exc:
            raise Problem(400, f"The body was refused: {exc}.", title="Bad Request") from exc
