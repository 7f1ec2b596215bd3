"""The first owner, created from the console with a one-time setup code instead of a password in a log.

`issue_code` (run by `flask staff setup-code`, which `make run` calls) makes a
random code while no owner exists, keeps only its SHA-256 and prints the code
once. `create_first_owner` takes the code back: the row is deleted by the same
statement that checks it (`DELETE … RETURNING`), so of two people racing with
the same code exactly one gets the account, on either database. The code is 8
characters of a 32-letter alphabet (32⁸ ≈ 1.1 × 10¹²); with wrong codes counted
by the login limit (docs/staff.md) guessing it is hopeless. It is looked up by
its hash, so response times say nothing about how close a guess was. It expires
after `CODE_TTL` and stops working once any owner exists.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import SetupCode, StaffUser
from ...models.staff import OWNER
from . import access

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read off a terminal, typed on a phone
CODE_TTL = dt.timedelta(hours=24)


class SetupRefused(Exception):
    """The code is wrong or expired (`reason` "code"), or an owner exists already ("done")."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def owner_exists(session: Session) -> bool:
    return session.scalar(sa.select(sa.exists().where(StaffUser.role == OWNER))) or False


def normalise(code: str) -> str:
    """What people type back: any case, with or without the dash and spaces."""
    return "".join(code.split()).replace("-", "").upper()


def _digest(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def issue_code(session: Session) -> str | None:
    """A new code (replacing any earlier one) while no owner exists, as `XXXX-XXXX`; None once one does."""
    if owner_exists(session):
        session.execute(sa.delete(SetupCode))
        return None
    code = "".join(secrets.choice(ALPHABET) for _ in range(8))
    now = clock.now()
    session.execute(sa.delete(SetupCode))
    session.add(SetupCode(code_hash=_digest(code), created_at=now, expires_at=now + CODE_TTL))
    session.flush()
    return f"{code[:4]}-{code[4:]}"


def create_first_owner(session: Session, code: str, *, email: str, name: str, password: str) -> StaffUser:
    """Use the code up and create the owner; raises SetupRefused, or access.AccessError for a bad password."""
    if owner_exists(session):
        raise SetupRefused("done")
    used = session.execute(sa.delete(SetupCode).where(
        SetupCode.code_hash == _digest(code), SetupCode.expires_at > clock.now()).returning(SetupCode.id)).first()
    if used is None:
        raise SetupRefused("code")
    return access.create_staff(session, email, name, OWNER, password)
