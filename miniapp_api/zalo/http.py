"""One HTTP client per Zalo host, reading Zalo's `error != 0` envelope as errors.

Zalo answers most failures with HTTP 200 and a non-zero `error` in the body,
so a status check alone would take failures for successes.
"""
from __future__ import annotations

import requests


class ZaloError(Exception):
    """Zalo answered, and said no (`error != 0`)."""

    def __init__(self, code: int, message: str, body: dict | None = None):
        super().__init__(f"Zalo error {code}: {message}")
        self.code = code
        self.message = message
        self.body = body or {}


class ZaloUnavailable(Exception):
    """Zalo could not be reached or answered with something that is not its envelope."""


class ZaloHttp:
    """A base URL, a pooled session and a (connect, read) timeout for one Zalo host."""

    def __init__(self, base_url: str, timeout: tuple[float, float], session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()

    def request(self, method: str, path: str, *, headers: dict | None = None, params: dict | None = None,
                json: dict | None = None, data: dict | None = None, files: dict | None = None) -> dict:
        """Send and return the decoded body; raise `ZaloError` or `ZaloUnavailable`."""
        try:
            response = self.session.request(method, self.base_url + path, headers=headers, params=params,
                                            json=json, data=data, files=files, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ZaloUnavailable(f"{method} {path}: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise ZaloUnavailable(f"{method} {path}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ZaloUnavailable(f"{method} {path}: HTTP {response.status_code}, body is not JSON") from exc
        if not isinstance(body, dict):
            raise ZaloUnavailable(f"{method} {path}: unexpected body")
        code = body.get("error", 0)
        try:
            code = int(code)
        except (TypeError, ValueError):
            code = -1
        if code != 0:
            raise ZaloError(code, str(body.get("message") or body.get("error_description") or ""), body)
        if response.status_code >= 400:
            raise ZaloError(-response.status_code, f"HTTP {response.status_code}", body)
        return body
