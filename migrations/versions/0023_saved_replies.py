"""saved_reply: the shop's canned answers for the console's composer

Revision ID: 0023_saved_replies
Revises: 0022_console_changes
"""
from alembic import op
import sqlalchemy as sa

import miniapp_api.models.types

revision = '0023_saved_replies'
down_revision = '0022_console_changes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_reply',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shortcut', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_reply')),
        sa.UniqueConstraint('shortcut', name=op.f('uq_saved_reply_shortcut')),
    )


def downgrade():
    op.drop_table('saved_reply')
