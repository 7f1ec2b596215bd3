"""Staff accounts, logins and integrator API keys.

Passwords are hashed with Argon2id (argon2-cffi). Session tokens and API keys
are random 256-bit secrets, so a SHA-256 of them is enough to store; lookups
compare hashes, never the secrets themselves.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session, joinedload

from ... import clock
from ...models.staff import ROLES, SCOPES, ApiKey, ApiKeyUse, StaffSession, StaffUser

SESSION_PREFIX = "sst_"
API_KEY_PREFIX = "zk_"
MIN_PASSWORD_LENGTH = 10
SESSION_TTL = dt.timedelta(hours=12)
_hasher = PasswordHasher()
# Verified against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccessError(ValueError):
    """A staff or key operation was refused; the message says why."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_staff(session: Session, email: str, name: str, role: str, password: str) -> StaffUser:
    if role not in ROLES:
        raise AccessError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    email = email.strip().lower()
    if session.scalar(sa.select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise AccessError(f"a staff account with email {email} exists")
    staff = StaffUser(email=email, name=name, role=role, password_hash=_hasher.hash(password))
    session.add(staff)
    session.flush()
    return staff


def set_password(staff: StaffUser, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    staff.password_hash = _hasher.hash(password)


@dataclasses.dataclass
class Login:
    staff: StaffUser
    token: str
    csrf_token: str
    expires_at: dt.datetime


def login(session: Session, email: str, password: str, *, ip: str | None, user_agent: str | None) -> Login | None:
    """A new session for valid credentials of an active account, else None."""
    staff = session.scalar(sa.select(StaffUser).where(StaffUser.email == email.strip().lower()))
    try:
        _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if staff is None or not staff.active:
        return None
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher.hash(password)
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    record = StaffSession(token_hash=_digest(token), csrf_token=secrets.token_urlsafe(24), staff_id=staff.id,
                          created_at=now, expires_at=now + SESSION_TTL, ip=ip, user_agent=(user_agent or "")[:300])
    staff.last_login_at = now
    session.add(record)
    session.flush()
    return Login(staff=staff, token=token, csrf_token=record.csrf_token, expires_at=record.expires_at)


def session_for_token(session: Session, token: str) -> StaffSession | None:
    """The live session a token opens (not expired, not revoked, account active)."""
    # The staff row comes in the same statement: every staff request asks this, consoles once a second.
    record = session.scalar(sa.select(StaffSession).options(joinedload(StaffSession.staff))
                            .where(StaffSession.token_hash == _digest(token)))
    if record is None or record.revoked_at is not None or record.expires_at <= clock.now():
        return None
    return record if record.staff.active else None


def logout(session: Session, record: StaffSession) -> None:
    record.revoked_at = clock.now()


def create_api_key(session: Session, name: str, scopes: list[str], created_by: StaffUser | None) -> tuple[ApiKey, str]:
    """A new key; the secret is returned once and never stored."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise AccessError(f"scopes must be among {', '.join(SCOPES)}; got {', '.join(unknown) or 'none'}")
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, prefix=secret[:10], key_hash=_digest(secret), scopes=sorted(set(scopes)),
                 created_by_id=created_by.id if created_by else None)
    session.add(key)
    session.flush()
    return key, secret


def api_key_for_secret(session: Session, secret: str) -> ApiKey | None:
    key = session.scalar(sa.select(ApiKey).where(ApiKey.key_hash == _digest(secret)))
    return key if key is not None and key.revoked_at is None else None


def record_key_use(session: Session, key: ApiKey, method: str, path: str, ip: str | None) -> None:
    now = clock.now()
    key.last_used_at = now
    key.use_count += 1
    session.add(ApiKeyUse(api_key_id=key.id, method=method, path=path[:300], ip=ip, at=now))
