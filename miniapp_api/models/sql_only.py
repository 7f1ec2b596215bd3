"""Search indexes and the event feed's commit-order column, which exist only in migration SQL, hidden from
autogenerate.

The full-text indexes depend on the database: SQLite gets FTS5 trigram tables
(`message_fts`, `customer_fts`, their shadow tables and sync triggers), PostgreSQL
gets `pg_trgm` GIN indexes. SQLAlchemy metadata cannot describe FTS5 virtual
tables, so they are created in `0006_inbox` (messages, customers) and
`0021_conversation_search` (the list's per-conversation document), and `include_object` keeps
`flask db migrate` and the drift test from proposing to drop them. On PostgreSQL `outbox_event.txid` (the
writing transaction, `0031_event_feed`) is filled by its default and read by SQL only
(`services/integrations/feed.py`), so the models do not name it either.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import base as postgresql_base

FTS_TABLE_PREFIXES = ("message_fts", "customer_fts", "conversation_search_fts")
TRGM_INDEXES = frozenset({"ix_message_search_trgm", "ix_customer_search_trgm",
                          "ix_conversation_search_customer_text_trgm", "ix_conversation_search_message_text_trgm",
                          "ix_outbox_event_feed"})
SQL_ONLY_COLUMNS = frozenset({("outbox_event", "txid")})


class Xid8(sa.types.UserDefinedType):
    """PostgreSQL's 64-bit transaction id, so reflecting `outbox_event` (autogenerate, the drift test) knows it."""

    cache_ok = True

    def get_col_spec(self, **_) -> str:
        return "xid8"


postgresql_base.ischema_names.setdefault("xid8", Xid8)


def include_object(object_, name, type_, reflected, compare_to) -> bool:
    """Alembic hook: skip the SQL-only search objects found in the database."""
    if type_ == "table" and reflected and name and name.startswith(FTS_TABLE_PREFIXES):
        return False
    if type_ == "column" and reflected and (object_.table.name, name) in SQL_ONLY_COLUMNS:
        return False
    return not (type_ == "index" and name in TRGM_INDEXES)
