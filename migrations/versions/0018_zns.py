"""zns: the OA's template messages (synced from Zalo) and template messages sent by phone

Revision ID: 0018_zns
Revises: 0016_oa_quota
"""
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB(astext_type=Text()))

import miniapp_api.models.types  # noqa: F401  (UTCDateTime)
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0018_zns'
down_revision = '0016_oa_quota'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('zns_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('tag', sa.String(length=32), nullable=True),
    sa.Column('quality', sa.String(length=16), nullable=True),
    sa.Column('price', sa.String(length=16), nullable=True),
    sa.Column('preview_url', sa.String(length=500), nullable=True),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('synced_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zns_template')),
    sa.UniqueConstraint('template_id', name=op.f('uq_zns_template_template_id'))
    )
    op.create_table('zns_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_id', sa.String(length=48), nullable=False),
    sa.Column('template_id', sa.String(length=32), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('template_data', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('delivery_state', sa.String(length=16), nullable=False),
    sa.Column('zalo_msg_id', sa.String(length=64), nullable=True),
    sa.Column('sent_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('available_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_expires_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('leased_by', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('finished_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_zns_message_customer_id_customer')),
    sa.ForeignKeyConstraint(['order_id'], ['crm_order.id'], name=op.f('fk_zns_message_order_id_crm_order')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_zns_message_staff_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zns_message')),
    sa.UniqueConstraint('tracking_id', name=op.f('uq_zns_message_tracking_id'))
    )
    op.create_index('ix_zns_message_claim', 'zns_message', ['status', 'available_at'], unique=False)
    op.create_index(op.f('ix_zns_message_customer_id'), 'zns_message', ['customer_id'], unique=False)
    op.create_index(op.f('ix_zns_message_order_id'), 'zns_message', ['order_id'], unique=False)
    op.create_index(op.f('ix_zns_message_zalo_msg_id'), 'zns_message', ['zalo_msg_id'], unique=False)


def downgrade():
    op.drop_table('zns_message')  # its indexes go with it
    op.drop_table('zns_template')
