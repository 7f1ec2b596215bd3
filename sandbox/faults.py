"""Fault switches the CRM emulators share: the next N requests fail (500), are throttled (429 with Retry-After),
hang past the caller's timeout (the write still happens afterwards), or are accepted and then dropped (the
write is done, but the caller never hears back: what makes a retry without an idempotency key dangerous)."""
from __future__ import annotations

import socket
import threading

from flask import request

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
