"""The OA token pair: encrypted at rest, refreshed by exactly one process at a time.

Zalo's refresh tokens are single-use, so two processes refreshing at once
would leave one of them (and then everyone) locked out until the owner
re-consents. A refresh is therefore claimed with a compare-and-set on the
row's `version` (one `UPDATE … WHERE version = :seen AND no live lease`);
the winner calls Zalo outside any transaction, persists the new pair before
handing it out, and bumps `version`; the others wait for that new version.
Each step uses its own short session, never the caller's transaction.
"""
from __future__ import annotations

import base64
import datetime as dt
import logging
import os
import socket
import threading
import time

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session

from ... import clock
from ...extensions import db
from ...models import OaToken
from ...zalo.http import ZaloError
from ...zalo.oauth import OAuthClient, TokenPair
from . import channel

log = logging.getLogger(__name__)
REFRESH_LEASE = dt.timedelta(seconds=60)


class OaNotConnected(Exception):
    """The OA is not connected: run `flask zalo set-token` or connect it at /oauth/zalo/start."""


class TokenRefreshFailed(Exception):
    """Zalo refused to refresh the OA token; the OA admin may need to connect the OA again."""


class RefreshRefused(TokenRefreshFailed):
    """Zalo itself refused the refresh token: nothing works until the OA is connected again (pauses the channel)."""


def fernet_for(secret_key: str) -> Fernet:
    """A Fernet key derived from SECRET_KEY with HKDF, dedicated to OA tokens."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"zalo-oa-tokens").derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class TokenStore:
    """Hands out a valid OA access token, refreshing it when it is about to expire."""

    def __init__(self, oauth: OAuthClient, secret_key: str, oa_id: str, margin_seconds: int,
                 wait_seconds: float = 30.0):
        self.oauth = oauth
        self.fernet = fernet_for(secret_key)
        self.oa_id = oa_id
        self.margin = dt.timedelta(seconds=margin_seconds)
        self.wait_seconds = wait_seconds

    def _session(self) -> Session:
        return Session(db.engine, expire_on_commit=False)

    def _row(self, session: Session) -> OaToken:
        row = session.scalar(sa.select(OaToken).where(OaToken.oa_id == self.oa_id))
        if row is None:
            raise OaNotConnected(OaNotConnected.__doc__)
        return row

    def _decrypt(self, value: str) -> str:
        try:
            return self.fernet.decrypt(value.encode()).decode()
        except InvalidToken as exc:
            raise OaNotConnected("stored OA token cannot be decrypted (SECRET_KEY changed?); set it again") from exc

    def save_pair(self, pair: TokenPair, source: str) -> int:
        """Store a new pair (seeded by CLI or from the OAuth callback); returns its version."""
        now = clock.now()
        values = dict(access_token_enc=self.fernet.encrypt(pair.access_token.encode()).decode(),
                      refresh_token_enc=self.fernet.encrypt(pair.refresh_token.encode()).decode(),
                      access_expires_at=now + dt.timedelta(seconds=pair.expires_in),
                      refresh_expires_at=now + dt.timedelta(seconds=pair.refresh_expires_in),
                      refresh_lease_until=None, refresh_leased_by=None, last_refresh_error=None,
                      source=source, updated_at=now)
        with self._session() as session:
            row = session.scalar(sa.select(OaToken).where(OaToken.oa_id == self.oa_id).with_for_update())
            if row is None:
                row = OaToken(oa_id=self.oa_id, version=1, **values)
                session.add(row)
            else:
                for key, value in values.items():
                    setattr(row, key, value)
                row.version += 1
            channel.resume(session, self.oa_id, "reconnect")  # a new pair is the admin's fix for a paused channel
            session.commit()
            return row.version

    def access_token(self) -> tuple[str, int]:
        """A token valid for at least the refresh margin, and its version."""
        with self._session() as session:
            row = self._row(session)
            token, version, expires_at = row.access_token_enc, row.version, row.access_expires_at
        if clock.now() < expires_at - self.margin:
            return self._decrypt(token), version
        return self._refresh(version)

    def refresh_after_rejection(self, version: int) -> tuple[str, int]:
        """Zalo rejected the token of `version` (-216/-220): refresh unless someone already did."""
        return self._refresh(version)

    def _refresh(self, seen_version: int) -> tuple[str, int]:
        deadline = time.monotonic() + self.wait_seconds
        holder = _holder()
        while True:
            refresh_enc = self._claim(seen_version, holder)
            if refresh_enc is not None:
                return self._spend(seen_version, holder, refresh_enc)
            with self._session() as session:
                row = self._row(session)
                if row.version != seen_version:
                    return self._decrypt(row.access_token_enc), row.version
            if time.monotonic() > deadline:
                raise TokenRefreshFailed("another process holds the refresh lease and has not finished")
            time.sleep(0.05)  # real-time wait for another process, not a retry backoff

    def _claim(self, seen_version: int, holder: str) -> str | None:
        now = clock.now()
        with self._session() as session:
            result = session.execute(
                sa.update(OaToken)
                .where(OaToken.oa_id == self.oa_id, OaToken.version == seen_version,
                       sa.or_(OaToken.refresh_lease_until.is_(None), OaToken.refresh_lease_until < now))
                .values(refresh_lease_until=now + REFRESH_LEASE, refresh_leased_by=holder)
                .returning(OaToken.refresh_token_enc))
            refresh_enc = result.scalar()
            session.commit()
            return refresh_enc

    def _spend(self, seen_version: int, holder: str, refresh_enc: str) -> tuple[str, int]:
        """Call Zalo with the single-use refresh token and persist the new pair before returning it."""
        try:
            pair = self.oauth.refresh(self._decrypt(refresh_enc))
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:500]
            with self._session() as session:
                session.execute(sa.update(OaToken).where(OaToken.oa_id == self.oa_id,
                                                          OaToken.refresh_leased_by == holder)
                                .values(refresh_lease_until=None, refresh_leased_by=None,
                                        last_refresh_error=reason))
                session.commit()
            log.warning("OA token refresh failed: %s", type(exc).__name__)
            if isinstance(exc, ZaloError):
                raise RefreshRefused(f"Zalo refused the refresh (error {exc.code}: {exc.message}).") from exc
            raise
        now = clock.now()
        with self._session() as session:
            session.execute(sa.update(OaToken).where(OaToken.oa_id == self.oa_id,
                                                      OaToken.version == seen_version)
                            .values(access_token_enc=self.fernet.encrypt(pair.access_token.encode()).decode(),
                                    refresh_token_enc=self.fernet.encrypt(pair.refresh_token.encode()).decode(),
                                    access_expires_at=now + dt.timedelta(seconds=pair.expires_in),
                                    refresh_expires_at=now + dt.timedelta(seconds=pair.refresh_expires_in),
                                    version=seen_version + 1, refresh_lease_until=None, refresh_leased_by=None,
                                    last_refresh_error=None, source="refresh", updated_at=now))
            channel.resume(session, self.oa_id, "refresh", only_code=channel.TOKEN_REFUSED)
            session.commit()
        log.info("OA token refreshed (version %d)", seen_version + 1)
        return pair.access_token, seen_version + 1

    def status(self) -> dict:
        """What an operator may see: versions and times, never the tokens."""
        with self._session() as session:
            row = session.scalar(sa.select(OaToken).where(OaToken.oa_id == self.oa_id))
            if row is None:
                return {"connected": False, "oa_id": self.oa_id, "channel": channel.status(session, self.oa_id)}
            now = clock.now()
            return {"connected": True, "oa_id": row.oa_id, "version": row.version, "source": row.source,
                    "access_expires_at": row.access_expires_at.isoformat(),
                    "access_expires_in_seconds": int((row.access_expires_at - now).total_seconds()),
                    "refresh_due": now >= row.access_expires_at - self.margin,
                    "refresh_expires_at": row.refresh_expires_at.isoformat(),
                    "last_refresh_error": row.last_refresh_error, "updated_at": row.updated_at.isoformat(),
                    "channel": channel.status(session, self.oa_id)}
