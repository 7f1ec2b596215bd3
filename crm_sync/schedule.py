"""Connector schedules: `immediate`, `every 30s` / `every 5m` / `every 1h`, or a 5-field cron line in shop time.

The worker runs one APScheduler job per enabled connector and re-reads the
connector table every minute, so `flask connectors add|disable` takes effect
without restarting it. An `immediate` connector's job (which fans out before
it pushes) runs whenever an outbox event is committed or deliveries are queued
(wake-ups on `wakeup.OUTBOX` and `fanout.DELIVERIES`), and polls as a fallback.
Nothing else is woken by outbox events: with no immediate connector, a
customer's message does not start CRM work in the middle of its reply.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Callable

import sqlalchemy as sa
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from miniapp_api.clock import LOCAL_TZ
from miniapp_api.queue import wakeup

log = logging.getLogger("crm_sync.schedule")
INTERVAL = re.compile(r"^every\s+(\d+)\s*([smh])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}
REFRESH_SECONDS = 60
IMMEDIATE = "immediate"
FALLBACK_POLL_SECONDS = 5  # an immediate connector's period when no wake-up comes


class BadSchedule(ValueError):
    """Not `immediate`, `every <n>s|m|h` nor a 5-field cron expression."""


def is_immediate(schedule: str) -> bool:
    return schedule.strip().lower() == IMMEDIATE


def poll_seconds(app: Flask) -> float:
    """The fallback poll of immediate connectors: 5 s, or WORKER_POLL_SECONDS when longer."""
    return max(FALLBACK_POLL_SECONDS, app.config["WORKER_POLL_SECONDS"])


def trigger_for(schedule: str) -> dict:
    """APScheduler `add_job` trigger arguments for a connector's schedule (`immediate`: its fallback poll)."""
    text = schedule.strip().lower()
    if text == IMMEDIATE:
        return {"trigger": "interval", "seconds": FALLBACK_POLL_SECONDS}
    if match := INTERVAL.match(text):
        seconds = int(match.group(1)) * UNIT_SECONDS[match.group(2)]
        if seconds < 1:
            raise BadSchedule(schedule)
        return {"trigger": "interval", "seconds": seconds}
    try:
        return {"trigger": CronTrigger.from_crontab(text, timezone=LOCAL_TZ)}
    except ValueError as exc:
        raise BadSchedule(f"{schedule!r}: use 'immediate', 'every 30s', 'every 5m' or a cron line like "
                          "'*/10 * * * *'") from exc


def connector_job_id(name: str) -> str:
    return f"crm-sync:{name}"


def install_connector_jobs(scheduler: BaseScheduler, app: Flask, wrap: Callable) -> None:
    """Keep one job per enabled connector in `scheduler`, following the table."""
    from miniapp_api.extensions import db
    from miniapp_api.models import Connector

    from .engine import sync_connector
    from .fanout import DELIVERIES

    installed: dict[str, str] = {}

    def refresh(_app: Flask) -> None:
        wanted = dict(db.session.execute(sa.select(Connector.name, Connector.schedule)
                                         .where(Connector.enabled.is_(True))).all())
        db.session.commit()
        for name in set(installed) - set(wanted):
            scheduler.remove_job(connector_job_id(name))
            del installed[name]
        for name, schedule in wanted.items():
            if installed.get(name) == schedule:
                continue
            try:
                trigger = trigger_for(schedule)
            except BadSchedule:
                log.error("connector %s has an invalid schedule %r; not scheduled", name, schedule)
                continue
            wake_on = ()
            if is_immediate(schedule):
                trigger, wake_on = {**trigger, "seconds": poll_seconds(app)}, (wakeup.OUTBOX, DELIVERIES)
            job = wrap(app, lambda a, n=name: sync_connector(a, n), wake_on=wake_on)
            scheduler.add_job(job, id=connector_job_id(name), replace_existing=True, max_instances=1,
                              coalesce=True, next_run_time=dt.datetime.now(dt.timezone.utc), **trigger)
            installed[name] = schedule
            log.info("connector %s scheduled %s", name, schedule)

    scheduler.add_job(wrap(app, refresh), id="crm-connectors-refresh", trigger="interval",
                      seconds=REFRESH_SECONDS, max_instances=1, coalesce=True)
    wrap(app, refresh)()
