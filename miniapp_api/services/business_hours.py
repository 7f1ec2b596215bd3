"""Time that counts in business hours: the shop's opening windows (Asia/Ho_Chi_Minh) between two instants.

Metrics measure how long a customer waited for a human in the hours the shop
is open, so a message sent at 22:00 and answered at 08:30 the next morning
waited 30 minutes, not 10.5 hours. The spec format is the one auto-reply rules
use (`mon-sat 08:00-21:00`, comma-separated windows, overnight allowed; a window ending where it starts, as
`00:00-24:00`, lasts 24 hours).
"""
from __future__ import annotations

import datetime as dt

from .. import clock
from .oa.auto_reply import parse_hours


def business_seconds(spec: str | None, start: dt.datetime, end: dt.datetime) -> float:
    """Seconds of [start, end) inside the opening windows; wall-clock seconds when no spec is set."""
    if end <= start:
        return 0.0
    if not spec:
        return (end - start).total_seconds()
    total = 0.0
    for open_at, close_at in _open_intervals(spec, start, end):
        overlap = min(close_at, end) - max(open_at, start)
        total += max(overlap.total_seconds(), 0.0)
    return total


def _open_intervals(spec: str, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The opening intervals touching [start, end), merged so overlapping windows count once."""
    windows = parse_hours(spec)
    first = start.astimezone(clock.LOCAL_TZ).date() - dt.timedelta(days=1)  # an overnight window from the eve
    last = end.astimezone(clock.LOCAL_TZ).date()
    intervals = []
    day = first
    while day <= last:
        for days, opens, closes in windows:
            if day.weekday() not in days:
                continue
            open_at = dt.datetime.combine(day, opens, clock.LOCAL_TZ)
            close_day = day if opens < closes else day + dt.timedelta(days=1)
            intervals.append((open_at, dt.datetime.combine(close_day, closes, clock.LOCAL_TZ)))
        day += dt.timedelta(days=1)
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for open_at, close_at in sorted(intervals):
        if merged and open_at <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], close_at))
        else:
            merged.append((open_at, close_at))
    return merged


def window_end(spec: str, when: dt.datetime) -> dt.datetime | None:
    """When the window of `spec` that `when` falls in closes (None when `when` is outside every window)."""
    for open_at, close_at in _open_intervals(spec, when, when + dt.timedelta(seconds=1)):
        if open_at <= when < close_at:
            return close_at
    return None
