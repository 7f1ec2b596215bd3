"""The one source of "now", so tests can move time instead of sleeping."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock:
    """Wall clock in UTC; tests replace it with a `FrozenClock`."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that only moves when told to."""

    def __init__(self, start: dt.datetime | None = None):
        self._now = start or dt.datetime(2026, 11, 1, 3, 0, tzinfo=UTC)

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, **delta) -> dt.datetime:
        self._now += dt.timedelta(**delta)
        return self._now


_clock: Clock = Clock()


def now() -> dt.datetime:
    """The current UTC time from the installed clock."""
    return _clock.now()


def install(clock: Clock) -> Clock:
    """Replace the process clock; returns the previous one so callers can restore it."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def iso_utc(value: dt.datetime | None) -> str | None:
    """`2026-11-01T03:00:00Z`: how every payload and response writes a time."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None
