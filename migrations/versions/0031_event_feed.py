"""event feed: on PostgreSQL each outbox row records the transaction that wrote it (`txid`), so the integrators'
event feed can page in commit order without skipping a row that commits late (docs/connectors.md "Event feed")

SQLite needs nothing: its writers take turns, so ids already follow commit order. Existing rows get 0 (they are
all committed, and page first, by id); the column's default then takes each writing transaction's id.

Revision ID: 0031_event_feed
Revises: 0030_campaign_image
"""
from alembic import op

revision = '0031_event_feed'
down_revision = '0030_campaign_image'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE outbox_event ADD COLUMN txid xid8 NOT NULL DEFAULT '0'")  # constant: no table rewrite
    op.execute("ALTER TABLE outbox_event ALTER COLUMN txid SET DEFAULT pg_current_xact_id()")
    op.execute("CREATE INDEX ix_outbox_event_feed ON outbox_event (txid, id)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_outbox_event_feed")
    op.execute("ALTER TABLE outbox_event DROP COLUMN txid")
