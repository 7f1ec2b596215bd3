"""Fault switches the CRM emulators share: the next N requests fail (500), are throttled (429 with Retry-After),
hang past the caller's timeout (the write still happens afterwards), or are accepted and then dropped (the
write is done, but the caller never hears back: what makes a retry without an idempotency key dangerous)."""
from __future__ import annotations

import socket
import threading
from typing import Callable

from flask import g, request

FAULTS = ("fail_next", "throttle_next", "hang_next", "drop_next")


class FaultSwitches:
    def __init__(self):
        self.lock = threading.RLock()
        self.faults = {name: 0 for name in FAULTS}
        self.retry_after = 30
        self.hang_seconds = 5.0
        self.release = threading.Event()

    def take_fault(self) -> str | None:
        """The fault this request plays (each counts down once), if any."""
        with self.lock:
            for name in FAULTS:
                if self.faults[name] > 0:
                    self.faults[name] -= 1
                    return name
        return None


def drop_connection() -> None:
    """Shut the request's socket: the response never reaches the caller."""
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        sock.shutdown(socket.SHUT_RDWR)


def play(state: FaultSwitches, refuse: Callable, fault: str | None):
    """Play `fault` (from `state.take_fault()`): a response from `refuse(status, message, **headers)` in the
    emulator's own error shape, a hang, or a drop after the response (`drop_after`); None to go on."""
    if fault == "fail_next":
        return refuse(500, "sandbox: failing as asked")
    if fault == "throttle_next":
        return refuse(429, "sandbox: slow down", **{"Retry-After": str(state.retry_after)})
    if fault == "hang_next":
        state.release.wait(state.hang_seconds)  # the caller times out; the write still happens afterwards
    g.drop = fault == "drop_next"
    return None


def drop_after(response):
    """`after_request`: accept-then-drop, when `play` chose it."""
    if g.get("drop"):
        drop_connection()
    return response
