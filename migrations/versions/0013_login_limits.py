"""login throttle counters in the database; the table readiness probes write to

Revision ID: 0013_login_limits
Revises: 0012_webhook_inbox
"""
from alembic import op

import miniapp_api.models.types  # noqa: F401  (UTCDateTime)
import sqlalchemy as sa

revision = '0013_login_limits'
down_revision = '0012_webhook_inbox'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('window_start', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle'))
    )
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttle_window_start'), ['window_start'], unique=False)

    op.create_table('storage_probe',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storage_probe'))
    )


def downgrade():
    op.drop_table('storage_probe')
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttle_window_start'))
    op.drop_table('login_throttle')
