"""setup_code: the one-time code that lets the console create the first owner

Revision ID: 0024_setup_code
Revises: 0023_saved_replies
"""
from alembic import op
import sqlalchemy as sa

import miniapp_api.models.types

revision = '0024_setup_code'
down_revision = '0023_saved_replies'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'setup_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_setup_code')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_setup_code_code_hash')),
    )


def downgrade():
    op.drop_table('setup_code')
