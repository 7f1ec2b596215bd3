"""Wake-ups: "work arrived on channel X", sent by whoever queues work, so the worker need not wait for its poll.

A sender calls `notify(session, channel)` in the transaction that writes the
rows, or `announce(channel)` after a write of its own has committed. Nothing
is sent unless that transaction commits, and then only after it has
committed; one channel notified twice in a transaction is announced once:

- PostgreSQL: `pg_notify('miniapp_wakeup', channel)`, delivered to every
  worker LISTENing on any host, sent by this process's announcer thread
  (`announcer`, which says why not from inside the writer's transaction).
- SQLite (web and worker on one host): one datagram to each worker's Unix
  socket in the wake-up directory (WORKER_WAKEUP_DIR, default
  `<database>-wakeup/` beside the file). Non-blocking: a worker whose socket
  buffer is full has wake-ups pending already.

A wake-up is only a hint. Each worker still polls (WORKER_POLL_SECONDS), so a
lost wake-up costs latency, never work; sending never raises into the caller
and never waits. Who processes the work is still decided by the queue's
claims, so waking every worker cannot make two of them do the same row.
WORKER_WAKEUP=0 turns sending (and listening, `miniapp_api.queue.listener`) off.
The channels of the application's queues are below; a plugin names its own
(the CRM sync engine: `crm_sync.fanout.DELIVERIES`).
"""
from __future__ import annotations

import dataclasses
import logging
import os
import socket
from typing import Iterable

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, scoped_session

from .announcer import announcer

log = logging.getLogger(__name__)

PG_CHANNEL = "miniapp_wakeup"  # the one PostgreSQL channel; the payload names the queue
OA_INBOX = "oa-inbox"          # the OA webhook accepted an event
OA_OUTBOUND = "oa-outbound"    # an OA API call (a message to a customer, a profile look-up) was queued
OUTBOX = "outbox"              # a domain event was written to the outbox
EXTENSION = "wakeup"
_PENDING = "wakeup_pending"    # channels to announce once the transaction commits (Session.info)
SOCKET_PATH_MAX = 100          # AF_UNIX paths hold 108 bytes on Linux, 104 on macOS


@dataclasses.dataclass(frozen=True)
class Settings:
    enabled: bool
    postgres: bool
    directory: str | None  # SQLite: where the workers' sockets are
    conninfo: str | None = None  # PostgreSQL: the database the announcer notifies on


def socket_directory(database_url: str, configured: str | None = None) -> str | None:
    """WORKER_WAKEUP_DIR, else `<stem>-wakeup/` beside a SQLite file (each database its own), else None."""
    if configured:
        return os.path.abspath(configured)
    parsed = make_url(database_url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    stem, _extension = os.path.splitext(os.path.abspath(parsed.database))
    return f"{stem}-wakeup"


def _conninfo(url: str) -> str:
    """libpq's connection string for the SQLAlchemy URL `url`, as the engine's dialect reads it."""
    from psycopg.conninfo import make_conninfo

    parsed = make_url(url)
    _args, kwargs = parsed.get_dialect()().create_connect_args(parsed)
    return make_conninfo(**kwargs)


def init_app(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    postgres = make_url(url).get_backend_name() == "postgresql"
    app.extensions[EXTENSION] = Settings(
        enabled=bool(app.config["WORKER_WAKEUP"]), postgres=postgres,
        directory=None if postgres else socket_directory(url, app.config.get("WORKER_WAKEUP_DIR")),
        conninfo=_conninfo(url) if postgres else None)


def settings(app: Flask | None = None) -> Settings | None:
    if app is None:
        if not has_app_context():
            return None
        app = current_app
    return app.extensions.get(EXTENSION)


def notify(session: Session | scoped_session, channel: str) -> None:
    """Announce work on `channel` once `session`'s transaction has committed (nothing if it rolls back)."""
    current = settings()
    if current is None or not current.enabled:
        return
    if isinstance(session, scoped_session):
        session = session()  # `db.session`
    session.info.setdefault(_PENDING, set()).add(channel)


def announce(channel: str) -> None:
    """Announce work on `channel` that has committed already (a write outside any transaction of ours)."""
    _send(settings(), {channel})


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        _send(settings(), pending)


@sa.event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _send(current: Settings | None, channels: set[str]) -> None:
    if current is None or not current.enabled or not channels:
        return
    if current.postgres:
        announcer(current.conninfo, PG_CHANNEL).announce(channels)
    else:
        _send_local(current, channels)


def _send_local(current: Settings, channels: Iterable[str]) -> None:
    """One datagram naming `channels` to every worker socket in the directory; every error is swallowed."""
    if not current.directory:
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
