"""gunicorn's gthread worker, answering the errors gunicorn writes itself as problem+json, like the app's own.

gunicorn refuses some requests before the application sees them (a malformed
request line or header, a request line or headers over its limits) and
writes those answers itself, as HTML. This worker makes them
`application/problem+json` with the same fields as `errors.problem_response`,
so a client parses one error shape whatever refused its request.
"""
from __future__ import annotations

import json

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from .errors import PROBLEM_MIMETYPE


def write_problem(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error`, with a problem+json body."""
    body = json.dumps({"type": "about:blank", "title": reason, "status": status_int,
                       "detail": mesg or reason}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: {PROBLEM_MIMETYPE}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


class ProblemThreadWorker(ThreadWorker):
    """`worker_class` of `gunicorn_config`: gthread, with gunicorn's own error answers in problem+json."""

    def init_process(self):
        util.write_error = write_problem  # gunicorn's workers call it through the module, in this process only
        super().init_process()
