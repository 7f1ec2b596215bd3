"""The worker process: an APScheduler 3.x BlockingScheduler running periodic jobs.

Web processes never start it (`gunicorn wsgi:app` only serves HTTP). Every job
is safe to run twice at once (row claims, unique keys), so two workers, or two
hosts on one PostgreSQL, never double-send. The application's jobs are in
`JOBS`; a plugin (the CRM sync engine) adds its own through `add_job_installer`.
Each job runs inside an app context with a fresh database session. A heartbeat
thread keeps this process's claims leased while it lives, so a killed worker's
rows are taken over within `queue.LEASE`. Jobs with `wake_on` channels run as
soon as a wake-up announces work there (`worker_wake`, `queue.listener`) and
otherwise every WORKER_POLL_SECONDS, the fallback poll.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
from typing import Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from .queue import wakeup
from .queue.listener import listener_for
from .worker_wake import Wakeable, wake, wakeables

log = logging.getLogger(__name__)


def worker_id() -> str:
    """A name for lease owners: host and pid, unique among live workers."""
    return f"{socket.gethostname()}:{os.getpid()}"


def purge_idempotency_keys(app: Flask) -> None:
    """Forget Idempotency-Key responses older than IDEMPOTENCY_TTL_HOURS."""
    from .extensions import db
    from .services.forms.idempotency import purge_expired

    removed = purge_expired(db.session, dt.timedelta(hours=app.config["IDEMPOTENCY_TTL_HOURS"]))
    db.session.commit()
    if removed:
        log.info("purged %d idempotency keys", removed)


def purge_login_counters(app: Flask) -> None:
    """Forget failed-login counters whose window has ended (they live in the database unless Redis holds them)."""
    from .services.staff import login_throttle

    removed = login_throttle.for_app(app).purge()
    if removed:
        log.info("purged %d login counters", removed)


def purge_console_changes(app: Flask) -> None:
    """Forget console change-feed rows older than CONSOLE_CHANGES_KEEP_HOURS (a console away longer reloads)."""
    from .extensions import db
    from .services.live.changes import prune

    removed = prune(db.session, dt.timedelta(hours=app.config["CONSOLE_CHANGES_KEEP_HOURS"]))
    db.session.commit()
    if removed:
        log.info("purged %d console changes", removed)


def process_oa_inbox(app: Flask) -> None:
    """Apply stored OA webhook events (woken by the webhook; replies go out in the same run)."""
    from .services.oa.webhook_inbox import process_due
    from .services.oa.delivery import send_due

    claimed = process_due(app, worker_id())
    while claimed and claimed % 50 == 0 and (more := process_due(app, worker_id())):
        claimed += more  # a full batch: more may be waiting
    if claimed:
        send_due(app, worker_id())  # replies the events just queued go out in the same tick


def send_oa_outbound(app: Flask) -> None:
    """Make queued OA API calls: messages to customers, profile look-ups."""
    from .services.oa.delivery import send_due

    send_due(app, worker_id())


def send_zns(app: Flask) -> None:
    """Send queued ZNS template messages within the OA's daily quota."""
    from .services.zns.delivery import send_due

    send_due(app, worker_id())


def sync_zns_templates(app: Flask) -> None:
    """Refresh the OA's ZNS templates from Zalo (a no-op while the OA is not connected)."""
    from .extensions import db
    from .services.oa.tokens import OaNotConnected
    from .services.zns import templates
    from .zalo.http import ZaloUnavailable

    try:
        templates.sync(db.session, app.extensions["zalo_zns"])
    except OaNotConnected:
        pass
    except ZaloUnavailable as exc:  # Zalo did not answer: an hour later is soon enough, no stack trace needed
        db.session.rollback()
        log.warning("ZNS templates not refreshed: %s", exc)


def refresh_oa_token(app: Flask) -> None:
    """Refresh the OA access token ahead of expiry (a no-op while it is fresh or not connected)."""
    from .services.oa.tokens import OaNotConnected

    try:
        app.extensions["oa_tokens"].access_token()
    except OaNotConnected:
        pass


def route_inbox(app: Flask) -> None:
    """Inbox routing: move conversations whose assignee stopped answering, then hand waiting ones out."""
    from .extensions import db
    from .services.inbox.assignment import auto_assign, reassign_stale

    minutes = app.config["INBOX_REASSIGN_AFTER_MINUTES"]
    if minutes > 0:
        reassign_stale(db.session, dt.timedelta(minutes=minutes))
        db.session.commit()
    if app.config["INBOX_AUTO_ASSIGN"]:
        auto_assign(db.session)
        db.session.commit()


def send_campaigns(app: Flask) -> None:
    """Start scheduled campaigns and send running ones at their pace (docs/campaigns.md)."""
    from .extensions import db
    from .services.campaigns.sending import send_due

    send_due(db.session, app.config)


def run_journeys(app: Flask) -> None:
    """Enter customers whose silence or date has come and run the journey steps that are due (docs/campaigns.md)."""
    from .extensions import db
    from .services.journeys.running import run_due

    run_due(db.session, app.config)


# (job id, function(app), trigger kwargs): the application's own jobs. An interval job with `wake_on` channels
# and no period polls every WORKER_POLL_SECONDS.
JOBS: list[tuple[str, Callable[[Flask], None], dict]] = [
    ("purge-idempotency-keys", purge_idempotency_keys, {"trigger": "interval", "minutes": 30}),
    ("purge-login-counters", purge_login_counters, {"trigger": "interval", "minutes": 30}),
    ("purge-console-changes", purge_console_changes, {"trigger": "interval", "minutes": 30}),
    ("oa-inbox", process_oa_inbox, {"trigger": "interval", "wake_on": (wakeup.OA_INBOX,)}),
    ("oa-outbound", send_oa_outbound, {"trigger": "interval", "wake_on": (wakeup.OA_OUTBOUND,)}),
    ("oa-token-refresh", refresh_oa_token, {"trigger": "interval", "minutes": 10}),
    ("zns-outbound", send_zns, {"trigger": "interval", "seconds": 2}),
    ("zns-template-sync", sync_zns_templates, {"trigger": "interval", "hours": 1}),
    ("inbox-routing", route_inbox, {"trigger": "interval", "seconds": 15}),
    ("campaign-sends", send_campaigns, {"trigger": "interval", "seconds": 0.25}),  # campaigns/sending.py
    ("journey-steps", run_journeys, {"trigger": "interval", "seconds": 2}),  # journeys/running.py
]


# A plugin's installer: (scheduler, app, wrap) -> None, where wrap(app, job, wake_on=()) runs a job in an app
# context (and, given channels, also whenever one of them announces work).
JobInstaller = Callable[[BlockingScheduler, Flask, Callable], None]


def add_job_installer(app: Flask, installer: JobInstaller) -> None:
    """Let a plugin add its jobs to every worker built for `app`."""
    app.extensions.setdefault("worker_job_installers", []).append(installer)


def _in_context(app: Flask, job: Callable[[Flask], None]) -> Callable[[], None]:
    def run():
        from .extensions import db

        with app.app_context():
            try:
                job(app)
            except Exception:
                db.session.rollback()
                log.exception("job %s failed; it runs again at its next tick", job.__name__)
    return run


def _job(app: Flask, job: Callable[[Flask], None], wake_on: tuple[str, ...] = ()) -> Callable[[], None]:
    run = _in_context(app, job)
    return Wakeable(run, wake_on) if wake_on else run


def build_scheduler(app: Flask) -> BlockingScheduler:
    """The static `JOBS`, plus the jobs plugins install (e.g. one per enabled CRM connector)."""
    scheduler = BlockingScheduler(timezone="UTC")
    for job_id, job, trigger in JOBS:
        trigger = dict(trigger)
        wake_on = trigger.pop("wake_on", ())
        if wake_on:
            trigger.setdefault("seconds", app.config["WORKER_POLL_SECONDS"])
        scheduler.add_job(_job(app, job, wake_on), id=job_id, max_instances=1, coalesce=True,
                          next_run_time=dt.datetime.now(dt.timezone.utc), **trigger)
    for install in app.extensions.get("worker_job_installers", ()):
        install(scheduler, app, _job)
    return scheduler


def run_worker(app: Flask) -> None:
    """Run until SIGTERM/SIGINT, finishing the job in progress; the heartbeat stops last."""
    from .queue.heartbeat import Heartbeat

    if not app.config.get("WORKER_LOG_TICKS"):
        # APScheduler logs two INFO lines per job run (thousands a minute with 0.5 s jobs) and, on a busy machine,
        # a WARNING per tick skipped while the previous run is still going: expected, and it buries what matters.
        # Job failures are still logged, by `_in_context`.
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
    scheduler = build_scheduler(app)

    def stop(signum, _frame):
        log.info("signal %s: stopping after the current jobs", signum)
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    listener = listener_for(app, lambda channels: wake(scheduler, channels))
    if listener is not None:
        listener.start()
    log.info("worker %s started with jobs: %s; wake-ups %s, polling every %s s", worker_id(),
             ", ".join(j[0] for j in JOBS), "on" if listener is not None else "off", app.config["WORKER_POLL_SECONDS"])
    with Heartbeat(app, worker_id()):
        try:
            scheduler.start()
        except KeyboardInterrupt:
            pass
        finally:
            if listener is not None:
                listener.stop()
            for job in wakeables(scheduler):
                job.close()


if __name__ == "__main__":
    from wsgi import app as configured_app  # the same settings (and one-line config errors) as the flask CLI

    run_worker(configured_app)
