"""Retry schedules: when to try a failed job again, as pure functions."""
from __future__ import annotations

import datetime as dt
import email.utils
import random

# Like Svix: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (then dead letter).
DEFAULT_SCHEDULE: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)


def next_delay(attempt: int, schedule: tuple[float, ...] = DEFAULT_SCHEDULE, *,
               jitter: float = 0.1, rng: random.Random | None = None,
               retry_after: float | None = None) -> float | None:
    """Seconds to wait before attempt `attempt + 1`, or None when attempts are exhausted.

    `attempt` counts attempts made so far (1 after the first failure). Jitter
    spreads retries by ±`jitter` of the delay so a recovering remote is not hit
    by every worker at once; a `Retry-After` from the remote is a floor.
    """
    if attempt < 1 or attempt > len(schedule):
        return None
    delay = schedule[attempt - 1]
    if jitter:
        delay *= 1 + (rng or random).uniform(-jitter, jitter)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or HTTP date), None if absent/garbled."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())
