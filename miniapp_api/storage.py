"""Storage faults: the database cannot take writes now (disk full, read-only, unreachable).

Such a failure is the operator's to fix, not the caller's and not a bug: every
request that meets one answers 503 with `Retry-After` and a problem body
(clients and Zalo's webhook resends try again later), `/readyz` reports
not-ready so the load balancer sends traffic elsewhere, and everything
recovers by itself once the database takes writes again, with no restart.
"""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import Flask, current_app

from . import clock
from .errors import problem_response, problem_type

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
READ_ONLY_RECHECK_SECONDS = 5
# SQLite primary result codes (the low byte of the extended code).
_SQLITE_FAULTS = {13: "disk full", 8: "read-only", 10: "I/O error", 14: "cannot open the database file"}
# PostgreSQL SQLSTATEs, exact or by class.
_PG_FAULTS = {"25006": "read-only", "53100": "disk full", "53200": "out of memory", "53300": "too many connections",
              "57P01": "shutting down", "57P02": "shutting down", "57P03": "starting up"}
_PG_FAULT_CLASSES = {"53": "insufficient resources", "58": "I/O error", "08": "unreachable"}
_PROBE_BYTES = 8192  # more than a SQLite page, so the probe needs room to grow like a real write


def storage_fault(error: BaseException) -> str | None:
    """Why the database cannot take writes, when `error` (SQLAlchemy's or the driver's) says so; else None."""
    orig = getattr(error, "orig", None) or error
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return _SQLITE_FAULTS.get(code & 0xFF)
    state = getattr(orig, "sqlstate", None)
    if state:
        return _PG_FAULTS.get(state) or _PG_FAULT_CLASSES.get(state[:2])
    if type(orig).__module__.startswith("psycopg") and type(orig).__name__ == "OperationalError":
        return "unreachable"  # no SQLSTATE: the server could not be reached at all
    return None


STORAGE_UNAVAILABLE = problem_type(
    "storage-unavailable", 503, "Service Unavailable", "Tạm thời không ghi được dữ liệu",
    "Cơ sở dữ liệu tạm thời không ghi được (đầy đĩa hoặc chỉ đọc); hãy thử lại sau.")


def unavailable_response(reason: str, title: str = "Service Unavailable"):
    """503 problem+json that tells the caller when to try again."""
    return problem_response(503, title, f"The database cannot take writes right now ({reason}); try again later.",
                            kind=STORAGE_UNAVAILABLE,
                            headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def recent_fault(app: Flask) -> str | None:
    """The fault a request met in the last `RETRY_AFTER_SECONDS`, if any."""
    reason, until = app.extensions.get("storage_fault", (None, None))
    return reason if until is not None and clock.now() < until else None


def probe_writes(session) -> str | None:
    """None when a write would go through now, else why not. Writes a probe row and rolls it back."""
    from .models import StorageProbe

    try:
        session.add(StorageProbe(payload=bytes(_PROBE_BYTES)))
        session.flush()
    except sa.exc.DBAPIError as exc:
        return storage_fault(exc) or type(exc.orig).__name__
    finally:
        session.rollback()
    return None


def init_app(app: Flask, handle_other) -> None:
    """Answer storage faults as 503; every other database error goes to `handle_other` (a 500)."""

    @app.errorhandler(sa.exc.DBAPIError)
    def _database_error(error: sa.exc.DBAPIError):
        reason = storage_fault(error)
        if reason is None:
            return handle_other(error)
        current_app.extensions["storage_fault"] = (reason, clock.now() + dt.timedelta(seconds=RETRY_AFTER_SECONDS))
        log.error("database cannot take writes (%s): %s", reason, type(error.orig).__name__)
        return unavailable_response(reason)


@sa.event.listens_for(sa.pool.Pool, "connect")
def _note_read_only(dbapi_connection, record) -> None:
    """On PostgreSQL, remember when a connection was opened read-only (a standby, or the database set
    `default_transaction_read_only`): such a session stays read-only after the database is writable again."""
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SHOW transaction_read_only")
        read_only = cursor.fetchone()[0] == "on"
    dbapi_connection.rollback()
    record.info["read_only_since"] = clock.now() if read_only else None


@sa.event.listens_for(sa.pool.Pool, "checkout")
def _renew_read_only(_dbapi_connection, record, _proxy) -> None:
    """A connection opened read-only is replaced after a few seconds, so writes resume once the database
    takes them again (the pool retries the checkout with a fresh connection)."""
    since = record.info.get("read_only_since")
    if since is not None and clock.now() - since > dt.timedelta(seconds=READ_ONLY_RECHECK_SECONDS):
        raise sa.exc.DisconnectionError("connection opened read-only; opening a new one")
