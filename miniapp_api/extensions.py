"""Extensions, created unbound and attached to an app in `create_app`."""
from __future__ import annotations

import sqlite3
import threading
import time

import sqlalchemy as sa
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from . import pool_ping  # noqa: F401  (PostgreSQL's pool checks rested connections: its listeners)
from .errors import ProblemApi


class Base(DeclarativeBase):
    """Declarative base with naming conventions, so migrations name constraints stably."""

    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = ProblemApi()


SQLITE_BUSY_TIMEOUT_MS = 30000


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite as a serious embedded database: WAL, foreign keys, a busy timeout."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # Let SQLAlchemy's "begin" event below open transactions, not the driver.
    dbapi_connection.isolation_level = None


@sa.event.listens_for(sa.engine.Engine, "begin")
def _sqlite_begin_immediate(connection):
    """Take SQLite's write lock at BEGIN.

    A deferred transaction that reads and then writes fails at once with
    SQLITE_BUSY when another process committed in between; taking the lock up
    front makes concurrent writers wait their turn (busy timeout) instead.
    """
    if connection.dialect.name != "sqlite":
        return
    writer = _sqlite_writer(connection.engine.url.database)
    writer.acquire()
    connection.info["holds_writer_lock"] = writer
    try:
        _begin_immediate(connection)
    except BaseException:
        _release_writer(connection)
        raise


def _begin_immediate(connection) -> None:
    """`BEGIN IMMEDIATE`, retried every few milliseconds while another process holds the lock.

    SQLite's own busy handler backs off to sleeps of 100 ms, so a writer that
    just missed the lock went on sleeping long after it was free: with two
    web processes sharing a file, those sleeps made the webhook's latency
    tail. Polling stops after the busy timeout; the last attempt raises
    SQLAlchemy's `OperationalError` ("database is locked") as before.
    """
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA busy_timeout=0")
    try:
        deadline, pause = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000, 0.0005
        while time.monotonic() < deadline:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    break  # not contention: let the attempt below raise it the usual way
            time.sleep(pause)
            pause = min(2 * pause, 0.004)
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


# Threads of one process queue here, in order, for a SQLite file's single writer
# slot, instead of polling it through SQLite's busy handler (sleeps of up to
# 100 ms, first come not first served), which made the latency tail long. One
# slot per file: the webhook's ingest store (its own file) never waits for the
# main database's writers.
_sqlite_writers: dict[str | None, threading.RLock] = {}
_sqlite_writers_guard = threading.Lock()


def _sqlite_writer(database: str | None) -> threading.RLock:
    with _sqlite_writers_guard:
        return _sqlite_writers.setdefault(database, threading.RLock())


@sa.event.listens_for(sa.engine.Engine, "commit")
@sa.event.listens_for(sa.engine.Engine, "rollback")
def _release_writer(connection):
    if connection.dialect.name != "sqlite":
        return  # (and an invalidated PostgreSQL connection has no `info` to read)
    writer = connection.info.pop("holds_writer_lock", None)
    if writer is not None:
        writer.release()
