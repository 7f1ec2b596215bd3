"""webhook ingest store

The table the OA webhook writes accepted events to before the worker moves them into `webhook_event`.
Created here in the main database, where it lives when WEBHOOK_INBOX_DATABASE_URL is the main database
(PostgreSQL by default); a separate ingest database (SQLite's default `…-inbox.db`) gets it on first use
from `miniapp_api.ingest_store` instead.

Revision ID: 0012_webhook_inbox
Revises: 0011_event_sequence
"""
from alembic import op

import miniapp_api.models.types  # noqa: F401  (UTCDateTime)
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0012_webhook_inbox'
down_revision = '0011_event_sequence'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('webhook_ingest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=160), nullable=False),
    sa.Column('event_name', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('raw_body', sa.Text(), nullable=False),
    sa.Column('received_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_ingest')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_webhook_ingest_dedupe_key'))
    )


def downgrade():
    op.drop_table('webhook_ingest')
