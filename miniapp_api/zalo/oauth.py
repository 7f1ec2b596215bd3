"""OA OAuth v4 with PKCE (`oauth.zaloapp.com`): the consent URL, code exchange and refresh.

The token endpoint takes a form-encoded body and the app secret in a
`secret_key` header, and answers `expires_in` (and `refresh_token_expires_in`,
where given) as strings of seconds.
Refresh tokens are single-use: callers must persist the returned pair before
anything else (see `services.oa.tokens`).
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import secrets
from urllib.parse import urlencode

from .http import ZaloError, ZaloHttp

ACCESS_TOKEN_PATH = "/v4/oa/access_token"
PERMISSION_PATH = "/v4/oa/permission"
REFRESH_TOKEN_LIFETIME_SECONDS = 90 * 24 * 3600  # three months (reference §3), when Zalo does not say


def new_code_verifier() -> str:
    """base64url-nopad of 32 random bytes: 43 characters."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def code_challenge(verifier: str) -> str:
    """base64url-nopad of the raw SHA-256 of the verifier (no `code_challenge_method`)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclasses.dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int = REFRESH_TOKEN_LIFETIME_SECONDS


class OAuthClient:
    """The app's side of OA OAuth: build the consent URL, exchange codes, refresh pairs."""

    def __init__(self, http: ZaloHttp, app_id: str, app_secret: str):
        self.http = http
        self.app_id = app_id
        self.app_secret = app_secret

    def permission_url(self, redirect_uri: str, challenge: str, state: str) -> str:
        query = urlencode({"app_id": self.app_id, "redirect_uri": redirect_uri,
                           "code_challenge": challenge, "state": state})
        return f"{self.http.base_url}{PERMISSION_PATH}?{query}"

    def exchange_code(self, code: str, verifier: str) -> TokenPair:
        return self._token({"code": code, "app_id": self.app_id, "grant_type": "authorization_code",
                            "code_verifier": verifier})

    def refresh(self, refresh_token: str) -> TokenPair:
        return self._token({"refresh_token": refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"})

    def _token(self, form: dict) -> TokenPair:
        body = self.http.request("POST", ACCESS_TOKEN_PATH, headers={"secret_key": self.app_secret}, data=form)
        if not body.get("access_token") or not body.get("refresh_token"):
            raise ZaloError(-1, str(body.get("error_description") or body.get("error_name") or "no token returned"), body)
        return TokenPair(str(body["access_token"]), str(body["refresh_token"]),
                         _seconds(body, "expires_in", 90000),
                         _seconds(body, "refresh_token_expires_in", REFRESH_TOKEN_LIFETIME_SECONDS))


def _seconds(body: dict, key: str, default: int) -> int:
    """A lifetime Zalo sends as a string (or number) of seconds; `default` when absent or unreadable."""
    try:
        value = int(str(body[key]))
    except (KeyError, ValueError):
        return default
    return value if value > 0 else default
