"""A daemon thread with a start/stop life, shared by the lease heartbeat and the wake-up listener."""
from __future__ import annotations

import threading


class BackgroundThread:
    """Runs `_run` in a daemon thread named `thread_name` between `start()` and `stop()` (or as a context
    manager); `_run` returns once `_stopped` is set."""

    thread_name = "background"

    def __init__(self):
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self):
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _run(self) -> None:
        raise NotImplementedError
