"""PostgreSQL connections are pinged at checkout only after they have rested in the pool for a while.

SQLAlchemy's `pool_pre_ping` pings at every checkout: a round trip before every request's first statement,
which cost the webhook a third of its throughput on PostgreSQL (docs/performance.md). What the ping guards
against is a connection that died while it rested: the database restarted, a proxy or firewall dropped an
idle session. A connection handed back less than IDLE_PING_SECONDS ago was working then, and is used
without one. A connection whose ping fails is replaced before the request sees it (raising
`DisconnectionError` in a checkout listener is SQLAlchemy's documented way to ask for a fresh one).
A restart in the middle of traffic fails the statements it interrupts, as it did with a ping at every
checkout; SQLAlchemy then discards the pool's older connections.
"""
from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.pool import Pool

IDLE_PING_SECONDS = 1.0
_RESTED_SINCE = "rested_since"  # the connection record's info: when it was opened or last handed back
monotonic = time.monotonic      # the clock; tests move it


def _postgres(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("psycopg")


@sa.event.listens_for(Pool, "connect")
def _opened(dbapi_connection, record) -> None:
    record.info[_RESTED_SINCE] = monotonic()


@sa.event.listens_for(Pool, "checkin")
def _handed_back(dbapi_connection, record) -> None:
    if dbapi_connection is not None:  # None: it was invalidated
        record.info[_RESTED_SINCE] = monotonic()


@sa.event.listens_for(Pool, "checkout")
def _ping_after_rest(dbapi_connection, record, _proxy) -> None:
    if not _postgres(dbapi_connection):
        return
    if monotonic() - record.info.get(_RESTED_SINCE, float("-inf")) < IDLE_PING_SECONDS:
        return
    try:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # the ping opens no transaction
        try:
            dbapi_connection.execute(";")
        finally:
            dbapi_connection.autocommit = autocommit
    except Exception as exc:
        raise sa.exc.DisconnectionError("the connection died while it rested in the pool") from exc
