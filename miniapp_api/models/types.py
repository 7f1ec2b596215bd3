"""Column types shared by every model."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

UTC = dt.timezone.utc
# Row ids are 32-bit INTEGER columns on PostgreSQL (SQLite allows 64-bit): anything larger names no row.
MAX_ROW_ID = 2**31 - 1

# JSON on SQLite, JSONB on PostgreSQL (indexable, compact).
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class UTCDateTime(sa.TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite has no time zones and hands back naive values; this type stores UTC
    and restores the zone on the way out so comparisons never mix naive and aware.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use clock.now() or an aware value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> dt.datetime:
    """Column default: the injected clock's now."""
    from .. import clock

    return clock.now()
