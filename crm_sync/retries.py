"""How long a connector waits before each retry: its own schedule, else CRM_RETRY_SCHEDULE, else the default.

Remotes differ (a POS that rate-limits hard wants longer gaps than an integrator's endpoint), so a connector may
carry its own delays; the dead letter comes after the last one.
"""
from __future__ import annotations

from flask import Flask

from miniapp_api.models import Connector
from miniapp_api.queue.backoff import DEFAULT_SCHEDULE

MAX_DELAY_SECONDS = 7 * 86400


def retry_schedule(app: Flask, connector: Connector | None = None) -> tuple[float, ...]:
    """The connector's own delays (seconds) when it has them, else CRM_RETRY_SCHEDULE, else the default."""
    raw = (connector.retry_schedule if connector is not None else None) or app.config.get("CRM_RETRY_SCHEDULE") or ""
    return parse_retry_schedule(raw) or DEFAULT_SCHEDULE


def parse_retry_schedule(raw: str) -> tuple[float, ...]:
    """`"5, 60, 600"` → (5.0, 60.0, 600.0); ValueError unless each is a number of seconds above 0, at most a week."""
    delays = tuple(float(part) for part in raw.split(",") if part.strip())
    if len(delays) > 20 or any(not 0 < delay <= MAX_DELAY_SECONDS for delay in delays):
        raise ValueError("at most 20 delays, each in seconds above 0 and at most a week (604800)")
    return delays
