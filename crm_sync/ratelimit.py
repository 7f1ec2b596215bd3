"""Per-connector rate limiting: a token bucket that also obeys what the remote says.

Time comes from `miniapp_api.clock`, so tests move it instead of sleeping.
The remote's `Retry-After` (on 429/503) and `RateLimit-Remaining: 0` with
`RateLimit-Reset` (IETF draft; `X-RateLimit-*` too) block the bucket until the
remote is ready again, whatever our own configured rate allows.
"""
from __future__ import annotations

import datetime as dt
import threading

from miniapp_api import clock

from miniapp_api.queue.backoff import parse_retry_after


class TokenBucket:
    """`rate` requests per second on average, bursts of up to `burst` (one second's worth).

    A rate of 0 means unlimited (the remote's own headers still apply).
    """

    def __init__(self, rate: float, burst: float | None = None):
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate)
        self.tokens = self.capacity
        self.updated = clock.now()
        self.blocked_until: dt.datetime | None = None
        self._lock = threading.Lock()

    def _refill(self, now: dt.datetime) -> None:
        elapsed = max(0.0, (now - self.updated).total_seconds())
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now

    def reserve(self) -> float:
        """Take a token; returns seconds to wait before using it (0 = go now).

        When the remote blocked us, no token is taken and the wait is until
        it unblocks; a caller that will not wait that long sends nothing.
        """
        with self._lock:
            now = clock.now()
            if self.blocked_until and now < self.blocked_until:
                return (self.blocked_until - now).total_seconds()
            if not self.rate:
                return 0.0
            self._refill(now)
            self.tokens -= 1
            return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def refund(self) -> None:
        """Give back a reserved token that was not used."""
        with self._lock:
            if self.rate:
                self.tokens = min(self.capacity, self.tokens + 1)

    def observe(self, status: int, headers) -> None:
        """Learn from a response: block for `Retry-After`, or until an exhausted quota resets."""
        now = clock.now()
        wait = None
        if status in (429, 503):
            wait = parse_retry_after(headers.get("Retry-After"), now)
        remaining = headers.get("RateLimit-Remaining") or headers.get("X-RateLimit-Remaining")
        if wait is None and remaining is not None and remaining.strip() == "0":
            wait = _reset_seconds(headers.get("RateLimit-Reset") or headers.get("X-RateLimit-Reset"), now)
        if wait:
            self.block_for(wait)

    def block_for(self, seconds: float) -> None:
        """Send nothing for `seconds` (what a remote's headers asked for, read by the caller or here)."""
        with self._lock:
            until = clock.now() + dt.timedelta(seconds=seconds)
            self.blocked_until = max(self.blocked_until or until, until)


def _reset_seconds(value: str | None, now: dt.datetime) -> float | None:
    """A reset header is seconds from now (IETF draft) or, for some APIs, an epoch time."""
    seconds = parse_retry_after(value, now)
    if seconds is not None and seconds > 1e9:
        seconds = max(0.0, seconds - now.timestamp())
    return seconds
