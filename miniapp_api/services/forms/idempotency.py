"""`Idempotency-Key` handling: the same key and body give the same answer, once.

The stored response is written in the same transaction as the work it
describes, so either both exist or neither does. A concurrent duplicate loses
the race on the unique (scope, key) constraint, rolls back, and then finds the
winner's stored response.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...errors import Problem
from ...models import IdempotencyRecord
from ...schemas.base import UNSTORABLE

MAX_KEY_LENGTH = 255


def request_fingerprint(body) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or UNSTORABLE.search(key):
        raise Problem(400, f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters, none of them a control "
                           "character.",
                      title="Bad Idempotency-Key")
    return key


def stored_response(session: Session, scope: str, key: str, fingerprint: str) -> tuple[int, dict] | None:
    """The response recorded for this key, or None if the key is new.

    Reusing a key with a different body is the caller's mistake: 422, as the
    IETF Idempotency-Key draft recommends.
    """
    record = session.scalar(sa.select(IdempotencyRecord).where(
        IdempotencyRecord.scope == scope, IdempotencyRecord.key == key))
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise Problem(422, "This Idempotency-Key was already used with a different request body.",
                      title="Idempotency-Key reused")
    return record.status_code, record.body


def remember_response(session: Session, scope: str, key: str, fingerprint: str, status: int, body: dict) -> None:
    session.add(IdempotencyRecord(scope=scope, key=key, request_hash=fingerprint, status_code=status,
                                  body=body, created_at=clock.now()))
    session.flush()


def purge_expired(session: Session, ttl: dt.timedelta) -> int:
    """Forget keys older than `ttl` (a worker job); returns how many."""
    result = session.execute(sa.delete(IdempotencyRecord).where(IdempotencyRecord.created_at < clock.now() - ttl))
    return result.rowcount
