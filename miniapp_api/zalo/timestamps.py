"""Zalo's millisecond timestamps (webhook `timestamp`, ZNS `delivery_time`) as moments we can trust."""
from __future__ import annotations

import datetime as dt


def zalo_moment(milliseconds, received_at: dt.datetime) -> dt.datetime:
    """The moment, never later than when we received it (a sender's clock may run ahead); `received_at` when the
    value is missing or not a number."""
    try:
        when = dt.datetime.fromtimestamp(int(str(milliseconds)) / 1000, dt.timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return received_at
    return min(when, received_at)
