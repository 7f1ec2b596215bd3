"""The sync engine's worker jobs: prompt fan-out, initial syncs, and one job per enabled connector on its own
schedule."""
from __future__ import annotations

from typing import Callable

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from miniapp_api.extensions import db
from miniapp_api.worker import worker_id

from .fanout import fan_out
from .initial_sync import CHANNEL as INITIAL_SYNC, run_due
from .schedule import install_connector_jobs


def fan_out_events(app: Flask) -> None:
    """Turn new outbox events into CRM deliveries promptly, whatever each connector's schedule."""
    while fan_out(db.session, worker_id()):
        pass


def run_initial_syncs(app: Flask) -> None:
    """Work a slice of a due initial sync; one with more to do wakes this job again at once."""
    run_due(app, db.session, worker_id())


def install_jobs(scheduler: BaseScheduler, app: Flask, wrap: Callable) -> None:
    """What a worker runs for CRM sync (installed through `miniapp_api.worker.add_job_installer`)."""
    scheduler.add_job(wrap(app, fan_out_events), id="crm-fan-out", trigger="interval", seconds=5,
                      max_instances=1, coalesce=True)
    scheduler.add_job(wrap(app, run_initial_syncs, wake_on=(INITIAL_SYNC,)), id="crm-initial-sync",
                      trigger="interval", seconds=5, max_instances=1, coalesce=True)
    install_connector_jobs(scheduler, app, wrap)
