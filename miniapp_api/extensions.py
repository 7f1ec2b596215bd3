"""Extensions, created unbound and attached to an app in `create_app`."""
from __future__ import annotations

import threading

import sqlalchemy as sa
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

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


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite as a serious embedded database: WAL, foreign keys, a busy timeout."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
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
    _sqlite_writer.acquire()
    connection.info["holds_writer_lock"] = True
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _release_writer(connection)
        raise


# Threads of one process queue here, in order, for SQLite's single writer slot,
# instead of polling it through SQLite's busy handler (sleeps of up to 100 ms,
# first come not first served), which made the latency tail long.
_sqlite_writer = threading.RLock()


@sa.event.listens_for(sa.engine.Engine, "commit")
@sa.event.listens_for(sa.engine.Engine, "rollback")
def _release_writer(connection):
    if connection.dialect.name != "sqlite":
        return  # (and an invalidated PostgreSQL connection has no `info` to read)
    if connection.info.pop("holds_writer_lock", False):
        _sqlite_writer.release()
