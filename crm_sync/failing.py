"""Endpoints that keep failing are turned off, as Svix does: after CRM_DISABLE_FAILING_AFTER_HOURS (5 days) of
push runs that failed with no success between them.

Retrying an endpoint that is gone for good only grows the dead letters and the queue. The clock starts at the
first failing run after a success and stops at the next success; a run that sent nothing and failed nothing
(an empty queue, or only deliveries waiting out their retry delay) changes nothing. Turning off is recorded as
the connector's `disabled_reason` (the console's sync page shows it as an alert), an audit entry by the system
and a warning in the log, none with personal data. `flask connectors enable` or the console turns it back on;
events raised while it was off were not queued for it, and `POST /sync/connectors/<name>/recover` sends them.
"""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session

from miniapp_api.models import Connector
from miniapp_api.services import audit

from .dispatcher import Tally

log = logging.getLogger("crm_sync.failing")


def observe(session: Session, connector: Connector, tally: Tally, now: dt.datetime, limit: dt.timedelta) -> bool:
    """Record how this push run went; turn the connector off when it has failed long enough. The caller commits."""
    if tally.sent:
        connector.failing_since = None
        return False
    if not (tally.failed or tally.dead):
        return False
    if connector.failing_since is None:
        connector.failing_since = now
        return False
    if now - connector.failing_since < limit:
        return False
    hours = int(limit.total_seconds() // 3600)
    connector.enabled = False
    connector.disabled_reason = (f"Turned off automatically: every delivery failed for {hours} hours "
                                 f"(since {connector.failing_since:%Y-%m-%d %H:%M} UTC)")
    audit.record(session, "connector.auto_disable", "connector", connector.name, hours=hours,
                 failing_since=connector.failing_since.isoformat())
    log.warning("connector %s turned off: failing since %s", connector.name, connector.failing_since.isoformat())
    return True
