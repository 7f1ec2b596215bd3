"""connector lifecycle: its own retry schedule, since when it has failed without a success, and why it was turned
off automatically (docs/sync.md "Endpoints that keep failing")

Revision ID: 0032_connector_lifecycle
Revises: 0031_event_feed
"""
from alembic import op
import sqlalchemy as sa

import miniapp_api.models.types  # noqa: F401  (UTCDateTime)

revision = '0032_connector_lifecycle'
down_revision = '0031_event_feed'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('connector', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_schedule', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('failing_since', miniapp_api.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('disabled_reason', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('connector', schema=None) as batch_op:
        batch_op.drop_column('disabled_reason')
        batch_op.drop_column('failing_since')
        batch_op.drop_column('retry_schedule')
