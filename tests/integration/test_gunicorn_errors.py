"""What gunicorn answers itself, before the app sees a request, is problem+json like every other error."""
from __future__ import annotations

import json
import socket

import pytest

from bench.harness import gunicorn


def _raw(base: str, request: bytes) -> tuple[str, dict, bytes]:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    return status, {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}, body


@pytest.mark.slow
def test_requests_gunicorn_refuses_are_answered_as_problem_json(sqlite_template, tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{sqlite_template}", "TESTING": "1", "SECRET_KEY": "test-secret-key"}
    with gunicorn("wsgi:app", env) as base:
        cases = {b"NOT A REQUEST\r\n\r\n": 400,
                 b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n": 400,
                 b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n": 414}
        for request, expected in cases.items():
            status, headers, body = _raw(base, request)
            assert status.split(" ")[1] == str(expected), status
            assert headers["content-type"] == "application/problem+json"
            problem = json.loads(body)
            assert problem["status"] == expected and problem["title"] and problem["detail"]
