"""Our own short-lived Mini App session tokens.

After Zalo vouches for a user once (`/v2.0/me`), the Mini App sends this
signed token instead, so later calls never hit Zalo for identity. The token
carries the Zalo per-app id, not a profile id: the profile it resolves to may
change when profiles merge.
"""
from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from ... import clock

SALT = "miniapp-session-v1"


class _ClockSigner(TimestampSigner):
    """Timestamps from the injected clock, so expiry is testable without sleeping."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


class SessionInvalid(Exception):
    """The session token is missing, forged or expired."""


class SessionTokens:
    def __init__(self, secret_key: str, ttl_seconds: int):
        self.ttl_seconds = ttl_seconds
        self._serializer = URLSafeTimedSerializer(secret_key, salt=SALT, signer=_ClockSigner)

    def issue(self, zalo_app_uid: str) -> str:
        return self._serializer.dumps({"uid": zalo_app_uid})

    def verify(self, token: str) -> str:
        """The Zalo per-app id inside a valid token."""
        try:
            payload = self._serializer.loads(token, max_age=self.ttl_seconds)
        except SignatureExpired as exc:
            raise SessionInvalid("session expired") from exc
        except BadSignature as exc:
            raise SessionInvalid("invalid session token") from exc
        if not isinstance(payload, dict) or "uid" not in payload:
            raise SessionInvalid("invalid session token")
        return str(payload["uid"])
