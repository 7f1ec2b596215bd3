"""inbox: keyset index on conversations, diacritic-free search columns and their indexes

Revision ID: 0006_inbox
Revises: 0005_inbox_customers
Create Date: 2026-11-22 13:56:30.191979

The search indexes are SQL only (see miniapp_api/models/sql_only.py):
SQLite gets FTS5 trigram tables kept in sync by triggers, PostgreSQL gets
pg_trgm GIN indexes. On SQLite a later `batch_alter_table` on `message` or
`customer` recreates the table and drops the triggers: such a migration must
run `create_sqlite_fts` again.
"""
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB(astext_type=Text()))

import miniapp_api.models.types  # noqa: F401  (UTCDateTime)
import sqlalchemy as sa

from miniapp_api.services.inbox.search_text import customer_text, normalise

# revision identifiers, used by Alembic.
revision = '0006_inbox'
down_revision = '0005_inbox_customers'
branch_labels = None
depends_on = None

FTS_SOURCES = ("message", "customer")


def upgrade():
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_updated_at_id', ['updated_at', 'id'], unique=False)

    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))

    _backfill(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table in FTS_SOURCES:
            op.execute(f"CREATE INDEX ix_{table}_search_trgm ON {table} USING gin (search_text gin_trgm_ops)")
    elif op.get_bind().dialect.name == "sqlite":
        for table in FTS_SOURCES:
            create_sqlite_fts(table)


def create_sqlite_fts(table: str) -> None:
    """An external-content FTS5 trigram index over `table.search_text`, rebuilt, with sync triggers."""
    fts = f"{table}_fts"
    op.execute(f"DROP TABLE IF EXISTS {fts}")
    op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content='{table}', content_rowid='id', "
               "tokenize='trigram')")
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    insert_new = f"INSERT INTO {fts}(rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;"
    delete_old = (f"INSERT INTO {fts}({fts}, rowid, search_text) SELECT 'delete', old.id, old.search_text "
                  "WHERE old.search_text IS NOT NULL;")
    op.execute(f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert_new} END")
    op.execute(f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete_old} END")
    op.execute(f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_text ON {table} BEGIN {delete_old} {insert_new} END")


def _backfill(bind) -> None:
    """Fill the new columns for rows written before this revision (ORM flushes keep them current after)."""
    for id_, text in bind.execute(sa.text("SELECT id, text FROM message WHERE text IS NOT NULL")).all():
        bind.execute(sa.text("UPDATE message SET search_text = :s WHERE id = :id"), {"s": normalise(text), "id": id_})
    phones: dict[int, list[str]] = {}
    for customer_id, value in bind.execute(sa.text(
            "SELECT customer_id, value FROM customer_identity WHERE kind = 'phone'")).all():
        phones.setdefault(customer_id, []).append(value)
    for id_, full_name, display, email in bind.execute(sa.text(
            "SELECT id, full_name, zalo_display_name, email FROM customer")).all():
        text = customer_text(full_name, display, email, phones.get(id_, []))
        bind.execute(sa.text("UPDATE customer SET search_text = :s WHERE id = :id"), {"s": text or None, "id": id_})


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in FTS_SOURCES:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_trgm")
    elif op.get_bind().dialect.name == "sqlite":
        for table in FTS_SOURCES:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('search_text')

    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('search_text')

    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_updated_at_id')
