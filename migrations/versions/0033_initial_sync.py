"""a connector's initial sync (link the CRM's customers, push every profile, pull order history) with its progress,
and which deliveries it queued (docs/sync.md "Initial sync")

Revision ID: 0033_initial_sync
Revises: 0032_connector_lifecycle
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import miniapp_api.models.types  # noqa: F401  (UTCDateTime)

revision = '0033_initial_sync'
down_revision = '0032_connector_lifecycle'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'initial_sync',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('connector_id', sa.Integer(), nullable=False),
        sa.Column('phases', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
        sa.Column('phase', sa.String(length=16), nullable=False),
        sa.Column('link_cursor', sa.String(length=500), nullable=True),
        sa.Column('push_after_id', sa.Integer(), server_default='0', nullable=False),
        sa.Column('tally', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
        sa.Column('phase_started_at', miniapp_api.models.types.UTCDateTime(), nullable=False),
        sa.Column('started_by', sa.String(length=120), nullable=True),
        sa.Column('created_at', miniapp_api.models.types.UTCDateTime(), nullable=False),
        sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('available_at', miniapp_api.models.types.UTCDateTime(), nullable=False),
        sa.Column('lease_expires_at', miniapp_api.models.types.UTCDateTime(), nullable=True),
        sa.Column('leased_by', sa.String(length=64), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('finished_at', miniapp_api.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['connector_id'], ['connector.id'], name=op.f('fk_initial_sync_connector_id_connector')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_initial_sync')),
    )
    with op.batch_alter_table('initial_sync', schema=None) as batch_op:
        batch_op.create_index('ix_initial_sync_claim', ['status', 'available_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_initial_sync_connector_id'), ['connector_id'], unique=False)
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('initial_sync_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_delivery_initial_sync_id'), ['initial_sync_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_delivery_initial_sync_id_initial_sync'), 'initial_sync',
                                    ['initial_sync_id'], ['id'])


def downgrade():
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_delivery_initial_sync_id_initial_sync'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_delivery_initial_sync_id'))
        batch_op.drop_column('initial_sync_id')
    with op.batch_alter_table('initial_sync', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initial_sync_connector_id'))
        batch_op.drop_index('ix_initial_sync_claim')
    op.drop_table('initial_sync')
