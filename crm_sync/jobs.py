"""The sync engine's worker jobs: fan-out woken by every outbox event, and one job per enabled connector on its
own schedule (`immediate` ones woken by every queued delivery)."""
from __future__ import annotations

from typing import Callable

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from miniapp_api.extensions import db
from miniapp_api.worker import worker_id

from miniapp_api.queue import wakeup

from .fanout import fan_out
from .schedule import install_connector_jobs, poll_seconds


def fan_out_events(app: Flask) -> None:
    """Turn new outbox events into CRM deliveries promptly, whatever each connector's schedule."""
    while fan_out(db.session, worker_id()):
        pass


def install_jobs(scheduler: BaseScheduler, app: Flask, wrap: Callable) -> None:
    """What a worker runs for CRM sync (installed through `miniapp_api.worker.add_job_installer`)."""
    scheduler.add_job(wrap(app, fan_out_events, wake_on=(wakeup.OUTBOX,)), id="crm-fan-out", trigger="interval",
                      seconds=poll_seconds(app), max_instances=1, coalesce=True)
    install_connector_jobs(scheduler, app, wrap)
