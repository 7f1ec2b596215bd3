"""oa quota: Zalo's per-user window answers, the OA channel's pause state, the quota of each send

Revision ID: 0016_oa_quota
Revises: 0015_miniapp_links
"""
from alembic import op

import miniapp_api.models.types  # noqa: F401  (UTCDateTime, JSONType)
import sqlalchemy as sa

revision = '0016_oa_quota'
down_revision = '0015_miniapp_links'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('oa_user_quota',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('oa_user_id', sa.String(length=64), nullable=False),
    sa.Column('last_interaction_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cs_remain', sa.Integer(), nullable=True),
    sa.Column('cs_total', sa.Integer(), nullable=True),
    sa.Column('checked_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oa_user_quota')),
    sa.UniqueConstraint('oa_user_id', name=op.f('uq_oa_user_quota_oa_user_id'))
    )
    op.create_table('oa_channel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('oa_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('paused_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('probe_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('probe_owner', sa.String(length=128), nullable=True),
    sa.Column('probe_until', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('probe_failures', sa.Integer(), nullable=False),
    sa.Column('resumed_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resumed_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oa_channel')),
    sa.UniqueConstraint('oa_id', name=op.f('uq_oa_channel_oa_id'))
    )
    # A nullable column: a plain ADD COLUMN on both databases, no table rebuild.
    op.add_column('oa_outbound', sa.Column('zalo_quota', miniapp_api.models.types.JSONType, nullable=True))


def downgrade():
    with op.batch_alter_table('oa_outbound', schema=None) as batch_op:
        batch_op.drop_column('zalo_quota')
    op.drop_table('oa_channel')
    op.drop_table('oa_user_quota')
