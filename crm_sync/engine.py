"""Running the engine for one connector: fan out, push its queue, pull its orders, record each run.

`sync_connector` is what the worker's per-connector job and `flask crm sync`
call. Running it twice at once (two workers, a repeated tick) is harmless:
deliveries are claimed, outbox events are claimed, orders are upserts.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from miniapp_api import clock
from miniapp_api.extensions import db
from miniapp_api.models import Connector, Delivery, SyncRun
from miniapp_api.models.queue import PENDING, PROCESSING

from . import failing
from .clients import client_for
from .connectors.base import NotSupported, RemoteRefused
from .connectors.http import RateLimited
from .dispatcher import Dispatcher, Tally
from .fanout import fan_out
from .pull import pull_orders
from .retries import retry_schedule

log = logging.getLogger("crm_sync.engine")


class UnknownConnector(Exception):
    """No connector has that name."""


def lag_seconds(session: Session, connector_id: int) -> float:
    """Age of the oldest delivery not yet settled (0 when the queue is empty)."""
    oldest = session.scalar(sa.select(sa.func.min(Delivery.created_at)).where(
        Delivery.connector_id == connector_id, Delivery.status.in_((PENDING, PROCESSING))))
    if oldest is None:
        return 0.0
    return max(0.0, (clock.now() - oldest).total_seconds())


def _start(session: Session, connector_id: int, kind: str, owner: str) -> int:
    run = SyncRun(connector_id=connector_id, kind=kind, worker=owner[:64], started_at=clock.now())
    session.add(run)
    session.commit()
    return run.id


def _finish(session: Session, run_id: int, tally: Tally, note: str | None = None) -> SyncRun:
    run = session.get(SyncRun, run_id)
    run.finished_at = clock.now()
    run.sent, run.failed, run.dead = tally.sent, tally.failed, tally.dead
    run.lag_seconds = lag_seconds(session, run.connector_id)
    parts = [p for p in (note, tally.stopped, f"{tally.coalesced} coalesced" if tally.coalesced else None) if p]
    run.note = "; ".join(parts)[:500] or None
    session.commit()
    return run


@dataclasses.dataclass
class SyncReport:
    connector: str
    runs: list[SyncRun]
    skipped: str | None = None


def sync_connector(app: Flask, name: str, owner: str | None = None) -> SyncReport:
    """Fan out, then push and (if configured) pull for the named connector."""
    from miniapp_api.worker import worker_id

    session = db.session
    owner = owner or worker_id()
    fan_out(session, owner)
    connector = session.scalar(sa.select(Connector).where(Connector.name == name))
    if connector is None:
        session.rollback()
        raise UnknownConnector(name)
    if not connector.active:
        reason = connector.paused_reason or "disabled"
        session.commit()
        return SyncReport(name, [], skipped=reason)
    client = client_for(app, connector)
    run_id = _start(session, connector.id, "push", owner)
    connector = session.get(Connector, connector.id)
    tally = Dispatcher(session, connector, client, owner, schedule=retry_schedule(app, connector)).run()
    runs = [_finish(session, run_id, tally)]
    connector = session.get(Connector, connector.id)
    if client.disables_when_failing:
        limit = dt.timedelta(hours=int(app.config.get("CRM_DISABLE_FAILING_AFTER_HOURS") or 120))
        failing.observe(session, connector, tally, clock.now(), limit)
        session.commit()
    if connector.pull_orders and connector.active:
        runs.append(_pull(session, connector, client, owner, int(app.config.get("CRM_ORDER_PAGE_SIZE") or 100)))
    return SyncReport(name, runs)


def _pull(session: Session, connector: Connector, client, owner: str, page_size: int) -> SyncRun:
    connector_id = connector.id
    run_id = _start(session, connector_id, "pull", owner)
    tally, note = Tally(), None
    try:
        tally.sent = pull_orders(session, connector_id, client, page_size=page_size)
    except (RemoteRefused, NotSupported, RateLimited) as exc:
        session.rollback()
        tally.failed, note = 1, f"order pull failed: {exc}"[:300]
        log.warning("connector %s: %s", connector_id, note)
    return _finish(session, run_id, tally, note)


def sync_all(app: Flask) -> list[SyncReport]:
    """Every enabled connector, one after the other (what `flask crm sync` runs without a name)."""
    names = list(db.session.scalars(sa.select(Connector.name).where(Connector.enabled.is_(True))
                                    .order_by(Connector.name)))
    db.session.commit()
    return [sync_connector(app, name) for name in names]
