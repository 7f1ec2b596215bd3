"""One HTTP client per connector: base URL, pooled session, (connect, read) timeout, rate limit.

Every call reads the whole answer and closes it, then classifies it the way
the engine needs: `ok`, `auth` (401/403), `transient` (timeouts, connection
errors, 408, 409, 429, 5xx) or `permanent` (any other 4xx).
"""
from __future__ import annotations

import dataclasses
import json
import time

import requests

from miniapp_api import clock

from miniapp_api.queue.backoff import parse_retry_after
from ..ratelimit import TokenBucket

# Waits for our own rate limit shorter than this are slept through; longer ones end the run.
MAX_INLINE_WAIT_SECONDS = 2.0
TRANSIENT_STATUSES = {408, 409, 429}


class RateLimited(Exception):
    """The rate limit (ours or the remote's) asks for a longer pause than a run should sleep."""

    def __init__(self, wait: float):
        super().__init__(f"rate limited for {wait:.1f} s")
        self.wait = wait


@dataclasses.dataclass
class HttpAnswer:
    status: int            # 0 when no answer came back
    body: str
    headers: dict
    retry_after: float | None
    error: str | None = None

    @property
    def classification(self) -> str:
        if self.status == 0 or self.status >= 500 or self.status in TRANSIENT_STATUSES:
            return "transient"
        if self.status in (401, 403):
            return "auth"
        return "ok" if self.status < 400 else "permanent"

    @property
    def summary(self) -> str:
        if self.status == 0:
            return f"no answer: {self.error}"
        return f"HTTP {self.status}: {self.body[:300]}"

    def json(self):
        return json.loads(self.body)


class ConnectorHttp:
    """The one client for one connector's remote."""

    def __init__(self, base_url: str, timeout: tuple[float, float], limiter: TokenBucket,
                 headers: dict | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.limiter = limiter
        self.session = requests.Session()
        self.session.headers.update(headers or {})

    def request(self, method: str, path: str, *, json_body=None, data: bytes | None = None,
                params: dict | None = None, headers: dict | None = None) -> HttpAnswer:
        """Send one request within the rate limit; never raises for network trouble."""
        self._wait_for_token()
        try:
            url = path if path.startswith(("http://", "https://")) else self.base_url + path  # another host: tokens
            with self.session.request(method, url, json=json_body, data=data, params=params,
                                      headers=headers, timeout=self.timeout) as response:
                body = response.text
                self.limiter.observe(response.status_code, response.headers)
                return HttpAnswer(response.status_code, body, dict(response.headers),
                                  parse_retry_after(response.headers.get("Retry-After"), clock.now()))
        except requests.RequestException as exc:
            return HttpAnswer(0, "", {}, None, error=type(exc).__name__)

    def _wait_for_token(self) -> None:
        wait = self.limiter.reserve()
        if wait > MAX_INLINE_WAIT_SECONDS:
            self.limiter.refund()
            raise RateLimited(wait)
        if wait > 0:
            time.sleep(wait)

    def close(self) -> None:
        self.session.close()
