"""A connector's initial sync: what existed before it was connected, through the same queue as everything else.

Phases, always in this order (a shop may ask for any of them):
- `link`: the CRM's existing customers, a page at a time, each given its profile under the identity rules
  (`link_crm_customers`: by the CRM id, by our ref, by a phone some profile holds verified, else a new profile of
  the CRM's); a CRM's phone links a record, it never gives a Zalo user anything (docs/profiles.md). A profile
  made from a record alone is not sent back to that CRM (an echo); every other connector gets it as usual.
- `push`: every live profile queued for this connector alone, as a `customer.upserted` snapshot at a new version
  (so per-customer ordering and coalescing hold), with at most `WINDOW` of them waiting at a time: the connector's
  own rate limit, retries and the remote's limits pace it, and live changes are never stuck behind a backlog. A
  profile whose current snapshot the connector got (or is about to get) already, as every profile the link phase
  touched, is counted `current` and not sent twice.
- `orders`: order history, by the connector's order pull from where it stands (from the start if never pulled).
Linking runs first so a profile that matches a CRM record carries its id (`crm_ids` in the snapshot) when it is
pushed, and the push updates that record instead of making a second one.

The sync is a durable work row (`InitialSync`): claimed with a lease that the worker's heartbeat renews, given
back between slices of work. Each page is written together with its phase's position in one transaction, after
checking the lease is still ours, so a worker that dies repeats at most the page it was on (linking is idempotent)
and another continues once the lease lapses. A remote's refusal is retried on the connector's schedule and ends
as `failed` (resumable); a rate limit only defers it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import Counter

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, selectinload

from miniapp_api import clock
from miniapp_api.models import Connector, Customer, Delivery, InitialSync, OutboxEvent
from miniapp_api.models.queue import DEAD, DONE, IGNORED, PENDING, PROCESSING
from miniapp_api.queue import claim, complete, defer, fail, next_customer_sequences, replay, still_held, wakeup
from miniapp_api.services.customers.consents import consents_in_force
from miniapp_api.services.customers.crm_profiles import link_crm_customers
from miniapp_api.services.customers.snapshots import customer_snapshot
from miniapp_api.services.transactions import run_in_transaction

from .clients import client_for
from .connectors.base import ConnectorClient, NotSupported, RemoteRefused
from .connectors.http import RateLimited
from .fanout import delivery_row, queue_deliveries
from .pull import pull_orders
from .retries import retry_schedule

LINK, PUSH, ORDERS, FINISHED = "link", "push", "orders", "done"
PHASES = (LINK, PUSH, ORDERS)
PAGE = 100
WINDOW = 500           # push: this sync's deliveries waiting at once
PUSH_WAIT = dt.timedelta(seconds=2)
PAUSED_WAIT = dt.timedelta(seconds=60)
SLICE_SECONDS = 15.0   # work done per claim before giving the row back (the lease is renewed meanwhile)
CHANNEL = "crm-initial-sync"
PUSH_EVENT = "customer.upserted"
ECHO = "echo: the profile was made from this CRM's own record"


class CannotStart(ValueError):
    """The sync cannot start: one is running already, or the connector's kind cannot do a phase asked for."""

    def __init__(self, message: str, *, conflict: bool = False):
        super().__init__(message)
        self.conflict = conflict


class LeaseLost(Exception):
    """Another worker took the sync over (ours lapsed): this one stops without writing."""


def start(session: Session, connector: Connector, client: ConnectorClient, phases: list[str] | None = None,
          started_by: str | None = None) -> InitialSync:
    """Queue an initial sync of these phases (default: every one the connector's kind can do); caller commits."""
    able = {LINK: client.can_pull_customers, PUSH: PUSH_EVENT in (connector.events or ()),
            ORDERS: client.can_pull_orders}
    wanted = [phase for phase in PHASES if phase in (phases or [p for p in PHASES if able[p]])]
    if not wanted:
        raise CannotStart(f"{connector.kind} connector {connector.name} has nothing to sync")
    if refused := [phase for phase in wanted if not able[phase]]:
        raise CannotStart(f"{connector.kind} connector {connector.name} cannot {', '.join(refused)} "
                          "(push needs the customer.upserted event)")
    # The connector's row locked first: two owners pressing "start" at once queue one sync, not two.
    session.execute(sa.select(Connector.id).where(Connector.id == connector.id).with_for_update())
    if current(session, connector.id, running_only=True) is not None:
        raise CannotStart(f"an initial sync of {connector.name} is running already", conflict=True)
    now = clock.now()
    sync = InitialSync(connector_id=connector.id, phases=wanted, phase=wanted[0], tally={}, phase_started_at=now,
                       started_by=started_by, created_at=now, available_at=now, status=PENDING, attempts=0)
    session.add(sync)
    wakeup.notify(session, CHANNEL)
    return sync


def current(session: Session, connector_id: int, *, running_only: bool = False) -> InitialSync | None:
    """The connector's latest initial sync (or the one still running)."""
    query = sa.select(InitialSync).where(InitialSync.connector_id == connector_id)
    if running_only:
        query = query.where(InitialSync.status.in_((PENDING, PROCESSING)))
    return session.scalar(query.order_by(InitialSync.id.desc()).limit(1))


def cancel(session: Session, sync: InitialSync, who: str) -> bool:
    """Stop a running sync for good (what it queued stays queued); caller commits."""
    result = session.execute(sa.update(InitialSync).where(
        InitialSync.id == sync.id, InitialSync.status.in_((PENDING, PROCESSING)))
        .values(status=IGNORED, leased_by=None, lease_expires_at=None, finished_at=clock.now(),
                last_error=f"cancelled by {who}"[:4000]).execution_options(synchronize_session=False))
    session.refresh(sync)
    return result.rowcount == 1


def resume(session: Session, sync: InitialSync) -> bool:
    """Run a failed sync again from where it stopped; caller commits."""
    resumed = replay(session, InitialSync, ids=[sync.id]) == 1
    if resumed:
        wakeup.notify(session, CHANNEL)
    session.refresh(sync)
    return resumed


# Running ------------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Step:
    """What one page of work left to do next: continue, wait (`until`) or stop (the sync finished)."""

    more: bool = True
    until: dt.datetime | None = None


def run_due(app: Flask, session: Session, owner: str, *, slice_seconds: float = SLICE_SECONDS,
            max_pages: int | None = None) -> int:
    """Claim one due initial sync and work on it for a slice; returns how many were worked on (0 or 1)."""
    ids = claim(session, InitialSync, owner=owner, limit=1, order_by=(InitialSync.id,))
    for sync_id in ids:
        work(app, session, sync_id, owner, slice_seconds=slice_seconds, max_pages=max_pages)
    return len(ids)


def work(app: Flask, session: Session, sync_id: int, owner: str, *, slice_seconds: float = SLICE_SECONDS,
         max_pages: int | None = None) -> None:
    """Do pages of a claimed sync until its slice ends, then give it back (or settle it)."""
    ends, pages = time.monotonic() + slice_seconds, 0
    sync = session.get(InitialSync, sync_id)
    connector = session.get(Connector, sync.connector_id)
    if not connector.active:
        _give_back(session, sync_id, owner, clock.now() + PAUSED_WAIT, "connector disabled or paused")
        return
    client = client_for(app, connector)
    step = Step()
    while step.more and step.until is None:
        if time.monotonic() >= ends or (max_pages is not None and pages >= max_pages):
            _give_back(session, sync_id, owner, clock.now(), None)
            return
        try:
            step = STEPS[session.get(InitialSync, sync_id).phase](session, sync_id, owner, connector, client)
        except LeaseLost:
            session.rollback()
            return
        except RateLimited as exc:
            session.rollback()
            _give_back(session, sync_id, owner, clock.now() + dt.timedelta(seconds=exc.wait), str(exc))
            return
        except (RemoteRefused, NotSupported, KeyError, ValueError, TypeError) as exc:  # refused, or unreadable
            session.rollback()
            attempts = session.get(InitialSync, sync_id).attempts
            fail(session, InitialSync, sync_id, owner, f"{connector.name}: {exc}", attempts=attempts,
                 schedule=retry_schedule(app, connector))
            session.commit()
            return
        pages += 1
    if not step.more:
        complete(session, InitialSync, sync_id, owner)
        session.commit()
    else:
        _give_back(session, sync_id, owner, step.until, None)


def _give_back(session: Session, sync_id: int, owner: str, until: dt.datetime, reason: str | None) -> None:
    """Let go of the row until `until`; due now, it wakes a worker to take the next slice at once."""
    defer(session, InitialSync, [sync_id], owner, until, reason or "")
    if until <= clock.now():
        wakeup.notify(session, CHANNEL)
    session.commit()


def _held(session: Session, sync_id: int, owner: str) -> InitialSync:
    """The sync, locked for this transaction, if it is still ours to write."""
    sync = session.scalar(sa.select(InitialSync).where(InitialSync.id == sync_id).with_for_update()
                          .execution_options(populate_existing=True))
    if not still_held(sync, owner):
        raise LeaseLost(sync_id)
    return sync


def _count(sync: InitialSync, phase: str, **add: int) -> None:
    tally = {**(sync.tally or {})}
    counts = dict(tally.get(phase) or {})
    for key, value in add.items():
        counts[key] = counts.get(key, 0) + value
    tally[phase] = counts
    sync.tally = tally


def _set(sync: InitialSync, phase: str, **values) -> None:
    sync.tally = {**(sync.tally or {}), phase: {**((sync.tally or {}).get(phase) or {}), **values}}


def _next_phase(sync: InitialSync) -> bool:
    """Close the current phase (its duration kept for the rate); False when it was the last."""
    now = clock.now()
    _set(sync, sync.phase, seconds=max((now - sync.phase_started_at).total_seconds(), 0.0))
    later = list(sync.phases)[list(sync.phases).index(sync.phase) + 1:]
    sync.phase, sync.phase_started_at = (later[0] if later else FINISHED), now
    return bool(later)


def _link_page(session: Session, sync_id: int, owner: str, connector: Connector, client: ConnectorClient) -> Step:
    cursor = session.get(InitialSync, sync_id).link_cursor
    session.commit()  # no transaction open during the call
    page = client.pull_customers(cursor, PAGE)

    def write() -> bool:
        sync = _held(session, sync_id, owner)
        linked = link_crm_customers(session, connector.name, page.customers)
        _count(sync, LINK, done=len(page.customers), **Counter(link.how for link in linked))
        _not_echoed(session, connector.id, [link.ref for link in linked if link.echo])
        if page.total is not None:
            _set(sync, LINK, total=page.total)
        sync.link_cursor = page.next_cursor
        return True if page.next_cursor is not None else _next_phase(sync)

    return Step(more=run_in_transaction(session, write))


def _not_echoed(session: Session, connector_id: int, refs: list[str]) -> None:
    """A profile made from a CRM record alone publishes what that CRM holds: its delivery to that CRM is settled
    as an echo here, in the same transaction, so the fan-out finds it and sends nothing back (the push phase
    counts it as current)."""
    if not refs:
        return
    now = clock.now()
    events = session.scalars(sa.select(OutboxEvent).where(
        OutboxEvent.aggregate_id.in_(refs), OutboxEvent.event_type == PUSH_EVENT, OutboxEvent.status == PENDING))
    queue_deliveries(session, [{**delivery_row(connector_id, event, now), "status": IGNORED, "last_error": ECHO,
                                "finished_at": now} for event in events])


def _push_page(session: Session, sync_id: int, owner: str, connector: Connector, client: ConnectorClient) -> Step:
    waiting = session.scalar(sa.select(sa.func.count()).where(
        Delivery.initial_sync_id == sync_id, Delivery.status.in_((PENDING, PROCESSING))))
    room = min(PAGE, WINDOW - waiting)
    if room <= 0:
        session.commit()
        return Step(until=clock.now() + PUSH_WAIT)

    def write() -> Step:
        sync = _held(session, sync_id, owner)
        live = sa.and_(Customer.merged_into_id.is_(None), Customer.erased_at.is_(None))
        if "total" not in ((sync.tally or {}).get(PUSH) or {}):
            _set(sync, PUSH, total=session.scalar(sa.select(sa.func.count()).where(live)), queued=0)
        page = session.execute(sa.select(Customer.id, _has_current(connector.id)).where(
            live, Customer.id > sync.push_after_id).order_by(Customer.id).limit(room)).all()
        if not page:
            if waiting:
                return Step(until=clock.now() + PUSH_WAIT)  # the last ones are on their way
            return Step(more=_next_phase(sync))
        sync.push_after_id = page[-1].id
        ids = [row.id for row in page if not row.current]
        _count(sync, PUSH, current=len(page) - len(ids))
        if not ids:
            return Step()
        customers = session.scalars(sa.select(Customer).where(Customer.id.in_(ids))
                                    .options(selectinload(Customer.identities)).order_by(Customer.id)).all()
        now = clock.now()
        versions, consents = next_customer_sequences(session, ids), consents_in_force(session, ids)
        events = [OutboxEvent(event_type=PUSH_EVENT, aggregate_type="customer", aggregate_id=customer.ref,
                              sequence=versions[customer.id],
                              payload=customer_snapshot(session, customer, consents[customer.id]), created_at=now,
                              available_at=now, status=DONE, finished_at=now)  # for this connector alone: no fan-out
                  for customer in customers]
        session.add_all(events)
        session.flush()
        queue_deliveries(session, [{**delivery_row(connector.id, event, now), "initial_sync_id": sync_id}
                                   for event in events])
        _count(sync, PUSH, queued=len(events))
        return Step()

    return run_in_transaction(session, write)


def _has_current(connector_id: int):
    """Whether the connector got (or is about to get) the customer's current snapshot already: linking publishes
    a linked profile, and its delivery (or the event, not fanned out yet) carries the newest version, so the push
    need not send it again."""
    delivered = sa.exists().where(Delivery.connector_id == connector_id, Delivery.aggregate_id == Customer.ref,
                                  Delivery.event_type == PUSH_EVENT, Delivery.sequence >= Customer.version,
                                  sa.or_(Delivery.status.in_((PENDING, PROCESSING, DONE)),
                                         sa.and_(Delivery.status == IGNORED, Delivery.last_error == ECHO)))
    on_its_way = sa.exists().where(OutboxEvent.aggregate_id == Customer.ref, OutboxEvent.event_type == PUSH_EVENT,
                                   OutboxEvent.sequence >= Customer.version,
                                   OutboxEvent.status.in_((PENDING, PROCESSING)))
    return sa.or_(delivered, on_its_way).label("current")


def _orders_page(session: Session, sync_id: int, owner: str, connector: Connector, client: ConnectorClient) -> Step:
    session.commit()
    taken = pull_orders(session, connector.id, client, page_size=PAGE, max_pages=1)

    def write() -> bool:
        sync = _held(session, sync_id, owner)
        _count(sync, ORDERS, done=taken)
        return bool(taken) or _next_phase(sync)

    return Step(more=run_in_transaction(session, write))


STEPS = {LINK: _link_page, PUSH: _push_page, ORDERS: _orders_page}


# Progress -----------------------------------------------------------------------------------------------------
STATUS = {PENDING: "running", PROCESSING: "running", DONE: "done", DEAD: "failed", IGNORED: "cancelled"}


def progress(session: Session, sync: InitialSync, connector_name: str) -> dict:
    """Where the sync stands: per phase done / total, records a second and the time left (None when unknown)."""
    now, phases = clock.now(), list(sync.phases)
    reached = len(phases) if sync.phase == FINISHED else phases.index(sync.phase)
    settled = dict(session.execute(sa.select(Delivery.status, sa.func.count()).where(
        Delivery.initial_sync_id == sync.id).group_by(Delivery.status)).all())
    views = []
    for index, name in enumerate(phases):
        counts = dict((sync.tally or {}).get(name) or {})
        if name == PUSH:
            counts["done"] = settled.get(DONE, 0) + settled.get(IGNORED, 0) + counts.get("current", 0)
            counts["failed"] = settled.get(DEAD, 0)
        done, total = counts.get("done", 0) + counts.get("failed", 0), counts.get("total")
        state = ("done" if index < reached else "waiting" if index > reached
                 else "running" if sync.status in (PENDING, PROCESSING) else "stopped")
        seconds = counts.get("seconds") if state == "done" else (
            (now - sync.phase_started_at).total_seconds() if state == "running" else None)
        rate = done / seconds if seconds and done else None
        eta = (max(total - done, 0) / rate if rate else None) if state == "running" and total is not None else None
        views.append({"phase": name, "state": state, "done": done, "total": total,
                      "rate_per_second": round(rate, 2) if rate else None,
                      "eta_seconds": round(eta) if eta is not None else None,
                      "counts": {k: v for k, v in counts.items() if k not in ("done", "total", "seconds")}})
    return {"id": sync.id, "connector": connector_name, "status": STATUS[sync.status],
            "phase": sync.phase, "phases": views, "started_by": sync.started_by,
            "started_at": sync.created_at, "finished_at": sync.finished_at,
            "last_error": sync.last_error if sync.status in (DEAD, IGNORED, PENDING) else None}


def describe(progress: dict) -> str:
    """One line of `progress` for an operator: `flask crm status` and `flask crm initial-sync status`."""
    parts = []
    for phase in progress["phases"]:
        text = f"{phase['phase']} {phase['state']} {phase['done']:,}" + (
            f"/{phase['total']:,}" if phase["total"] is not None else "")
        extra = [f"{phase['rate_per_second']:g}/s"] if phase["rate_per_second"] and phase["state"] != "waiting" else []
        if phase["eta_seconds"] is not None:
            extra.append(f"ETA {dt.timedelta(seconds=phase['eta_seconds'])}")
        parts.append(text + (f" ({', '.join(extra)})" if extra else ""))
    line = f"initial sync #{progress['id']} {progress['status']}: " + "; ".join(parts)
    return line + (f" [{progress['last_error']}]" if progress["last_error"] else "")
