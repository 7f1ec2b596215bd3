"""Zalo Graph: who a Mini App user is (`/v2.0/me`) and their shared phone (`/v2.0/me/info`)."""
from __future__ import annotations

import dataclasses
import hashlib
import hmac

from .http import ZaloError, ZaloHttp


def appsecret_proof(app_secret: str, access_token: str) -> str:
    """hex(HMAC-SHA256(key=app secret, msg=access token)), sent with every Graph call."""
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


@dataclasses.dataclass(frozen=True)
class ZaloUser:
    """A verified Mini App user: the per-app id and what Zalo shares of their profile."""

    id: str
    name: str | None
    avatar_url: str | None


class GraphClient:
    """Calls graph.zalo.me with the user's token and the app's proof."""

    def __init__(self, http: ZaloHttp, app_secret: str):
        self.http = http
        self.app_secret = app_secret

    def _headers(self, access_token: str) -> dict:
        return {"access_token": access_token, "appsecret_proof": appsecret_proof(self.app_secret, access_token)}

    def me(self, access_token: str) -> ZaloUser:
        """Verify a Mini App access token; raises `ZaloError` when Zalo rejects it."""
        body = self.http.request("GET", "/v2.0/me", headers=self._headers(access_token),
                                 params={"fields": "id,name,picture"})
        user_id = body.get("id")
        if not user_id:
            raise ZaloError(-1, "Zalo returned no user id", body)
        picture = ((body.get("picture") or {}).get("data") or {}).get("url")
        return ZaloUser(id=str(user_id), name=body.get("name") or None, avatar_url=picture or None)

    def phone_number(self, access_token: str, code: str) -> str:
        """Exchange a `getPhoneNumber()` token for the number (Zalo sends `84…`)."""
        headers = {"access_token": access_token, "code": code, "secret_key": self.app_secret}
        body = self.http.request("GET", "/v2.0/me/info", headers=headers)
        number = (body.get("data") or {}).get("number")
        if not number:
            raise ZaloError(-1, "Zalo returned no phone number", body)
        return str(number)
