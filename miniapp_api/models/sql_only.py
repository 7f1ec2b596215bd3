"""Search indexes that exist only in migration SQL, hidden from autogenerate.

The full-text indexes depend on the database: SQLite gets FTS5 trigram tables
(`message_fts`, `customer_fts`, their shadow tables and sync triggers), PostgreSQL
gets `pg_trgm` GIN indexes. SQLAlchemy metadata cannot describe FTS5 virtual
tables, so they are created in `0006_inbox` (messages, customers) and
`0021_conversation_search` (the list's per-conversation document), and `include_object` keeps
`flask db migrate` and the drift test from proposing to drop them.
"""
from __future__ import annotations

FTS_TABLE_PREFIXES = ("message_fts", "customer_fts", "conversation_search_fts")
TRGM_INDEXES = frozenset({"ix_message_search_trgm", "ix_customer_search_trgm",
                          "ix_conversation_search_customer_text_trgm", "ix_conversation_search_message_text_trgm"})


def include_object(object_, name, type_, reflected, compare_to) -> bool:
    """Alembic hook: skip the SQL-only search objects found in the database."""
    if type_ == "table" and reflected and name and name.startswith(FTS_TABLE_PREFIXES):
        return False
    return not (type_ == "index" and name in TRGM_INDEXES)
