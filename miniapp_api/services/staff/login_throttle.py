"""Failed staff logins, limited per client address and per account: atomic, shared by every process and host.

Before a password is checked, the attempt takes a slot in both counters, each
in a single atomic statement; over the limit, the slots are given back and the
caller is refused with the seconds until the window ends. A login that does not
fail gives its slots back, so only failures count. With 40 wrong passwords at
once, exactly the limit reach the password check, wherever they run.

Counters live in the product's own database (`login_throttle`; every web process
and host already shares it, no extra service), or in Redis when
`RATELIMIT_STORAGE_URI` names it. A window starts at a key's first failure and
lasts the period of `LOGIN_RATE_LIMIT`.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import ipaddress
import math
import threading
import time

import limits
import limits.storage
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from ... import clock
from ...models.login_throttle import LoginThrottle
from ...models.types import UTCDateTime


@dataclasses.dataclass(frozen=True)
class Slot:
    """One counted attempt: the key and the window it was counted in (None: the store keeps windows itself)."""

    key: str
    window_start: dt.datetime | None = None


class TooManyAttempts(Exception):
    """Too many failed logins from this address or for this account; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many failed logins; retry after {retry_after} s")
        self.retry_after = retry_after


def keys(address: str | None, email: str) -> list[str]:
    """The counters one attempt takes a slot in, hashed: the table holds no addresses or emails."""
    return [hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
            for kind, value in (("addr", client_network(address)), ("account", email.strip().lower()))]


def client_network(address: str | None) -> str:
    """An IPv4 address, or the /64 of an IPv6 one: one subscriber holds a whole /64 and could rotate through it."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class DatabaseCounters:
    """Counters in `login_throttle`, taken with `INSERT … ON CONFLICT DO UPDATE … RETURNING`.

    `take` counts an attempt before its password is checked; `give_back` returns the slots
    of an attempt that did not fail.
    """

    def __init__(self, session: Session, limit: int, period: dt.timedelta):
        self.session, self.limit, self.period = session, limit, period

    def take(self, keys_: list[str]) -> list[Slot]:
        """A slot in each counter, or `TooManyAttempts` (and no slot taken)."""
        now = clock.now()
        slots, refused = [], []
        try:
            for key in keys_:
                failures, window_start = self.session.execute(self._upsert(key, now)).one()
                slots.append(Slot(key, window_start))
                if failures > self.limit:
                    refused.append(window_start + self.period - now)
        except BaseException:
            self.session.rollback()
            raise
        if refused:
            self.session.rollback()  # a refused attempt takes no slot
            raise TooManyAttempts(_seconds(max(refused)))
        self.session.commit()
        return slots

    def give_back(self, slots: list[Slot]) -> None:
        for slot in slots:
            self.session.execute(sa.update(LoginThrottle).where(
                LoginThrottle.key == slot.key, LoginThrottle.window_start == slot.window_start,
                LoginThrottle.failures > 0).values(failures=LoginThrottle.failures - 1))
        self.session.commit()

    def purge(self) -> int:
        """Forget windows that have ended."""
        cutoff = clock.now() - self.period
        removed = self.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.window_start <= cutoff)).rowcount
        self.session.commit()
        return removed

    def _upsert(self, key: str, now: dt.datetime):
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        now_ = sa.literal(now, UTCDateTime())
        ended = LoginThrottle.window_start <= sa.literal(now - self.period, UTCDateTime())
        return (insert(LoginThrottle).values(key=key, window_start=now, failures=1)
                .on_conflict_do_update(index_elements=[LoginThrottle.key], set_={
                    "failures": sa.case((ended, 1), else_=LoginThrottle.failures + 1),
                    "window_start": sa.case((ended, now_), else_=LoginThrottle.window_start)})
                .returning(LoginThrottle.failures, LoginThrottle.window_start))


class StorageCounters:
    """Counters in a `limits` storage (`redis://…`: atomic INCRBY with expiry, shared by every host)."""

    def __init__(self, storage: limits.storage.Storage, limit: int, period: dt.timedelta):
        self.storage, self.limit, self.expiry = storage, limit, int(period.total_seconds())

    def take(self, keys_: list[str]) -> list[Slot]:
        slots: list[Slot] = []
        for key in keys_:
            slots.append(Slot("login-throttle/" + key))
            if self.storage.incr(slots[-1].key, self.expiry) > self.limit:
                retry_after = self.storage.get_expiry(slots[-1].key) - time.time()
                self.give_back(slots)
                raise TooManyAttempts(_seconds(dt.timedelta(seconds=retry_after)))
        return slots

    def give_back(self, slots: list[Slot]) -> None:
        for slot in slots:
            self.storage.incr(slot.key, self.expiry, amount=-1)

    def purge(self) -> int:
        return 0  # the storage expires its keys


def _seconds(delta: dt.timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def counters(rate: str, storage_uri: str | None, session: Session) -> DatabaseCounters | StorageCounters:
    """The counters `LOGIN_RATE_LIMIT` and `RATELIMIT_STORAGE_URI` (empty: the database) ask for."""
    item = limits.parse(rate)
    period = dt.timedelta(seconds=item.get_expiry())
    if storage_uri:
        return StorageCounters(limits.storage.storage_from_string(storage_uri), item.amount, period)
    return DatabaseCounters(session, item.amount, period)


def for_app(app: Flask) -> DatabaseCounters | StorageCounters:
    """The app's counters, rebuilt only when their settings change (tests change them on a live app)."""
    settings = (app.config["LOGIN_RATE_LIMIT"], app.config["RATELIMIT_STORAGE_URI"])
    with _building:
        cached = app.extensions.get("login_throttle")
        if cached is None or cached[0] != settings:
            from ...extensions import db

            cached = app.extensions["login_throttle"] = (settings, counters(*settings, db.session))
    return cached[1]


_building = threading.Lock()
