"""Standard Webhooks (standardwebhooks.com) signing and verification.

`webhook-signature: v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>`
with the secret given as `whsec_<base64>`. The same `webhook-id` is kept
across retries, so receivers deduplicate on it.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
DEFAULT_TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    """The webhook signature, id or timestamp does not check out."""


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    raw = secret[len(PREFIX):] if secret.startswith(PREFIX) else secret
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise InvalidSignature("the secret is not base64 after whsec_") from exc


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str | list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers; with several secrets (a rotation), one signature each, space-separated."""
    secrets = [secret] if isinstance(secret, str) else secret
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets)}


def verify(secret: str | list[str], headers, body: bytes, now: float,
           tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> str:
    """Check a received webhook; returns its `webhook-id` or raises `InvalidSignature`.

    Any one of the space-separated `v1,` signatures may match (senders list
    several while rotating secrets), made with any of our secrets (we accept the
    old one while ours rotates); comparison is constant-time.
    """
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    given = headers.get("webhook-signature")
    if not (msg_id and stamp and given):
        raise InvalidSignature("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise InvalidSignature("webhook-timestamp is not an integer") from exc
    if abs(int(now) - timestamp) > tolerance:  # integers: a 400-digit timestamp cannot overflow a float
        raise InvalidSignature("webhook-timestamp is outside the tolerance")
    expected = [sign(s, msg_id, timestamp, body).encode() for s in ([secret] if isinstance(secret, str) else secret)]
    if not any(hmac.compare_digest(mine, candidate.encode()) for mine in expected for candidate in given.split(" ")):
        raise InvalidSignature("no signature matches")
    return msg_id
