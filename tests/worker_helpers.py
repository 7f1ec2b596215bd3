"""Real `python -m miniapp_api.worker` processes for the tests that need one, on the test's database."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_SETTINGS = ("DATABASE_URL", "SECRET_KEY", "ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_ID", "ZALO_OA_SECRET_KEY",
                   "ZALO_GRAPH_URL", "ZALO_OPENAPI_URL", "ZALO_OAUTH_URL", "ZALO_BUSINESS_URL")
LISTENING = "wake-ups: listening"
STARTED = "started with jobs"


def wait_until(condition, seconds: float = 20.0, explain=lambda: "") -> None:
    """Until `condition()` holds; fails after `seconds` (a generous bound, never a fixed sleep)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"condition not met within {seconds} s {explain()}")


class Worker:
    """A worker process with the app's settings plus `settings`; its output goes to `log_path`."""

    def __init__(self, app, log_path, **settings):
        self.log_path = log_path
        env = {**os.environ, **{k: str(app.config[k]) for k in SHARED_SETTINGS}, "TESTING": "1",
               "PYTHONPATH": ROOT, **{k: str(v) for k, v in settings.items()}}
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "miniapp_api.worker"], cwd=ROOT, env=env,
                                        stdout=self._log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_line(self, marker: str, seconds: float = 60.0) -> None:
        wait_until(lambda: marker in self.output() or self.process.poll() is not None, seconds,
                   explain=lambda: self.output()[-3000:])
        assert self.process.poll() is None, self.output()[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
