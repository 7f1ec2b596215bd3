"""per-customer event sequence: customer.version, outbox and delivery sequence, delivery lanes

Revision ID: 0011_event_sequence
Revises: 0010_worker_heartbeat
Create Date: 2026-12-02 11:05:00

"""
from alembic import op

import miniapp_api.models.types  # noqa: F401  (UTCDateTime)
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0011_event_sequence'
down_revision = '0010_worker_heartbeat'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_index('ix_delivery_customer_order')
        batch_op.create_index('ix_delivery_customer_sequence', ['connector_id', 'aggregate_id', 'sequence'],
                              unique=False)
    op.create_table('delivery_lane',
    sa.Column('connector_id', sa.Integer(), nullable=False),
    sa.Column('aggregate_id', sa.String(length=64), nullable=False),
    sa.Column('sent_sequence', sa.Integer(), server_default='0', nullable=False),
    sa.Column('sent_delivery_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['connector_id'], ['connector.id'], name=op.f('fk_delivery_lane_connector_id_connector')),
    sa.PrimaryKeyConstraint('connector_id', 'aggregate_id', name=op.f('pk_delivery_lane'))
    )


def downgrade():
    op.drop_table('delivery_lane')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_customer_sequence')
        batch_op.create_index('ix_delivery_customer_order', ['connector_id', 'aggregate_id', 'id'], unique=False)
        batch_op.drop_column('sequence')
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_column('sequence')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('version')
