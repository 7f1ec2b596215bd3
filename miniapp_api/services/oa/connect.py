"""Connecting the OA from a browser: Zalo OAuth v4 with PKCE.

The shop owner opens a short-lived connect link (`flask zalo connect-url`,
signed with SECRET_KEY so a stranger cannot attach their own OA), is sent to
Zalo's consent page with a PKCE challenge, and comes back to the callback
with a single-use code that we exchange for the token pair.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import OauthAttempt
from ...zalo.oauth import code_challenge, new_code_verifier
from .tokens import fernet_for

TICKET_TTL = dt.timedelta(minutes=30)
ATTEMPT_TTL = dt.timedelta(minutes=10)  # Zalo's codes live 10 minutes


class ConnectRefused(Exception):
    """The connect link or the callback is not valid (expired, forged or already used)."""


def connect_ticket(secret_key: str) -> str:
    expires = int((clock.now() + TICKET_TTL).timestamp())
    mac = hmac.new(secret_key.encode(), f"oa-connect:{expires}".encode(), hashlib.sha256).hexdigest()
    return f"{expires}.{mac}"


def check_ticket(secret_key: str, ticket: str | None) -> None:
    expires, _, mac = (ticket or "").partition(".")
    expected = hmac.new(secret_key.encode(), f"oa-connect:{expires}".encode(), hashlib.sha256).hexdigest()
    # Bytes: compare_digest refuses non-ASCII str, and a link is anything a browser sends.
    if not expires.isdigit() or not hmac.compare_digest(mac.encode("utf-8", "replace"), expected.encode()):
        raise ConnectRefused("This connect link is not valid; create one with `flask zalo connect-url`.")
    if clock.now().timestamp() > int(expires):
        raise ConnectRefused("This connect link has expired; create a new one with `flask zalo connect-url`.")


def start_attempt(session: Session, secret_key: str) -> tuple[str, str]:
    """Record a new attempt; returns (state, code_challenge) for the consent URL."""
    state, verifier = secrets.token_urlsafe(24), new_code_verifier()
    session.add(OauthAttempt(state=state, created_at=clock.now(),
                             code_verifier_enc=fernet_for(secret_key).encrypt(verifier.encode()).decode()))
    session.commit()
    return state, code_challenge(verifier)


def consume_attempt(session: Session, secret_key: str, state: str | None) -> str:
    """Mark the attempt used (compare-and-set, so a replayed callback fails); returns the verifier."""
    now = clock.now()
    result = session.execute(sa.update(OauthAttempt)
                             .where(OauthAttempt.state == (state or ""), OauthAttempt.used_at.is_(None),
                                    OauthAttempt.created_at > now - ATTEMPT_TTL)
                             .values(used_at=now).returning(OauthAttempt.code_verifier_enc))
    encrypted = result.scalar()
    session.commit()
    if encrypted is None:
        raise ConnectRefused("Unknown, expired or already used OAuth state; start the connection again.")
    return fernet_for(secret_key).decrypt(encrypted.encode()).decode()
