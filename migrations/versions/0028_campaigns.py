"""campaign, campaign_recipient: a message to a frozen audience, one row per recipient (docs/campaigns.md)

Revision ID: 0028_campaigns
Revises: 0027_awaiting_reply
"""
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB(astext_type=Text()))

import miniapp_api.models.types  # noqa: F401  (UTCDateTime)
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0028_campaigns'
down_revision = '0027_awaiting_reply'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('audience', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('link_url', sa.String(length=500), nullable=True),
    sa.Column('zns_template_id', sa.String(length=32), nullable=True),
    sa.Column('zns_params', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('rate_per_minute', sa.Integer(), nullable=False),
    sa.Column('scheduled_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('planned_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_send_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_campaign_created_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign'))
    )
    op.create_table('campaign_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('zns_message_id', sa.Integer(), nullable=True),
    sa.Column('queued_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attributed_until', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('clicked_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_recipient_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_campaign_recipient_customer_id_customer')),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_campaign_recipient_message_id_message')),
    sa.ForeignKeyConstraint(['zns_message_id'], ['zns_message.id'], name=op.f('fk_campaign_recipient_zns_message_id_zns_message')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_recipient')),
    sa.UniqueConstraint('campaign_id', 'customer_id', name=op.f('uq_campaign_recipient_campaign_id_customer_id'))
    )
    with op.batch_alter_table('campaign_recipient', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_recipient_customer_queued', ['customer_id', 'queued_at'], unique=False)
        batch_op.create_index('ix_campaign_recipient_work', ['campaign_id', 'status', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('campaign_recipient', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_recipient_work')
        batch_op.drop_index('ix_campaign_recipient_customer_queued')

    op.drop_table('campaign_recipient')
    op.drop_table('campaign')
