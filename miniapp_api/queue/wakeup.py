"""Wake-ups: "work arrived on channel X", sent by whoever queues work, so the worker need not wait for its poll.

A sender calls `notify(session, channel)` in the transaction that writes the
rows (or `begin(engine)` + `notify(connection, channel)` outside the ORM):

- PostgreSQL: `pg_notify('miniapp_wakeup', channel)` in that transaction.
  PostgreSQL delivers it when the transaction commits, to every worker
  LISTENing on any host, and drops it if the transaction rolls back; one
  channel notified twice in a transaction is delivered once.
- SQLite (web and worker on one host): after the commit, one datagram to
  each worker's Unix socket in the wake-up directory (WORKER_WAKEUP_DIR,
  default `<database>-wakeup/` beside the file). Non-blocking: a worker whose
  socket buffer is full has wake-ups pending already.

A wake-up is only a hint. Each worker still polls (WORKER_POLL_SECONDS), so a
lost wake-up costs latency, never work; sending never raises into the caller
and never waits. Who processes the work is still decided by the queue's
claims, so waking every worker cannot make two of them do the same row.
WORKER_WAKEUP=0 turns sending (and listening, `miniapp_api.queue.listener`) off.
The channels of the application's queues are below; a plugin names its own
(the CRM sync engine: `crm_sync.fanout.DELIVERIES`).
"""
from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import socket
from typing import Iterable, Iterator

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)

PG_CHANNEL = "miniapp_wakeup"  # the one PostgreSQL channel; the payload names the queue
OA_INBOX = "oa-inbox"          # the OA webhook accepted an event
OA_OUTBOUND = "oa-outbound"    # an OA API call (a message to a customer, a profile look-up) was queued
OUTBOX = "outbox"              # a domain event was written to the outbox
EXTENSION = "wakeup"
_PENDING = "wakeup_pending"    # channels to announce once the transaction commits (Session/Connection .info)
SOCKET_PATH_MAX = 100          # AF_UNIX paths hold 108 bytes on Linux, 104 on macOS


@dataclasses.dataclass(frozen=True)
class Settings:
    enabled: bool
    postgres: bool
    directory: str | None  # SQLite: where the workers' sockets are


def socket_directory(database_url: str, configured: str | None = None) -> str | None:
    """WORKER_WAKEUP_DIR, else `<stem>-wakeup/` beside a SQLite file (each database its own), else None."""
    if configured:
        return os.path.abspath(configured)
    parsed = make_url(database_url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    stem, _extension = os.path.splitext(os.path.abspath(parsed.database))
    return f"{stem}-wakeup"


def init_app(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    postgres = make_url(url).get_backend_name() == "postgresql"
    app.extensions[EXTENSION] = Settings(
        enabled=bool(app.config["WORKER_WAKEUP"]), postgres=postgres,
        directory=None if postgres else socket_directory(url, app.config.get("WORKER_WAKEUP_DIR")))


def settings(app: Flask | None = None) -> Settings | None:
    if app is None:
        if not has_app_context():
            return None
        app = current_app
    return app.extensions.get(EXTENSION)


def notify(target: Session | scoped_session | sa.Connection, channel: str) -> None:
    """Announce work on `channel` when `target`'s transaction commits (nothing if it rolls back).

    A `Connection` must come from `begin` (outside the ORM there is no
    after-commit hook to send SQLite's wake-up from).
    """
    current = settings()
    if current is None or not current.enabled:
        return
    if isinstance(target, scoped_session):
        target = target()  # `db.session`
    if isinstance(target, Session):
        pending = target.info.setdefault(_PENDING, set())
        if channel in pending:
            return
        pending.add(channel)
        if current.postgres:
            with target.no_autoflush:  # the caller's pending objects flush when it decides
                target.execute(sa.select(sa.func.pg_notify(PG_CHANNEL, channel)))
        return
    if current.postgres:
        target.execute(sa.select(sa.func.pg_notify(PG_CHANNEL, channel)))
    else:
        target.info[_PENDING].add(channel)


@contextlib.contextmanager
def begin(engine: sa.Engine) -> Iterator[sa.Connection]:
    """`engine.begin()` whose `notify` calls are delivered once it has committed."""
    with engine.begin() as connection:
        pending = connection.info[_PENDING] = set()  # .info outlives the checkout: removed below
        try:
            yield connection
        finally:
            connection.info.pop(_PENDING, None)
    _send_local(settings(), pending)


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        _send_local(settings(), pending)


@sa.event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _send_local(current: Settings | None, channels: Iterable[str]) -> None:
    """One datagram naming `channels` to every worker socket in the directory; every error is swallowed."""
    if current is None or not current.enabled or current.postgres or not current.directory or not channels:
        return
    payload = "\n".join(sorted(channels)).encode()
    try:
        with os.scandir(current.directory) as entries:
            paths = [entry.path for entry in entries if entry.name.isdigit()]
    except OSError:  # no worker has started on this database yet
        return
    if not paths:
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.setblocking(False)
        for path in paths:
            try:
                sender.sendto(payload, path)
            except OSError:  # a full buffer (wake-ups pending already), a worker gone: the poll covers it
                pass
