"""A process's heartbeat: while it lives, the rows it claimed stay leased to it.

Claims are short leases (`queue.LEASE`). A background thread renews every
lease this process holds, in every queue, every `queue.HEARTBEAT_INTERVAL`,
in short transactions of its own. So a long batch (a slow CRM, a hung Zalo call
waiting for its read timeout) is never taken over by another worker, and a
killed process stops beating: its rows are claimable again at most `LEASE`
after its last beat. The worker (`flask worker`) and `flask crm sync` run one.
"""
from __future__ import annotations

import datetime as dt
import logging

from flask import Flask

from .. import queue
from .background import BackgroundThread

log = logging.getLogger("miniapp_api.queue.heartbeat")


class Heartbeat(BackgroundThread):
    """Renews `owner`'s leases from a daemon thread between `start()` and `stop()` (or as a context manager)."""

    thread_name = "lease-heartbeat"

    def __init__(self, app: Flask, owner: str, *, lease: dt.timedelta = queue.LEASE,
                 interval: dt.timedelta = queue.HEARTBEAT_INTERVAL):
        self.app, self.owner, self.lease = app, owner, lease
        self.interval = interval.total_seconds()
        super().__init__()

    def beat(self) -> int:
        """Renew once, now; returns how many leases were extended."""
        from miniapp_api.extensions import db

        with self.app.app_context():
            try:
                return queue.renew(db.session, self.owner, self.lease)
            finally:
                db.session.remove()

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                self.beat()
            except Exception:  # the database is briefly unreachable: the next beat tries again
                log.exception("heartbeat of %s failed; leases lapse %ss after the last good beat",
                              self.owner, self.lease.total_seconds())
