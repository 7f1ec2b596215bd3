"""conversation_read: where each staff member stopped reading each conversation (unread counts)

Revision ID: 0026_conversation_reads
Revises: 0025_shop_settings
"""
from alembic import op
import sqlalchemy as sa

import miniapp_api.models.types

revision = '0026_conversation_reads'
down_revision = '0025_shop_settings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'conversation_read',
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('last_read_message_id', sa.Integer(), nullable=False),
        sa.Column('read_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'],
                                name=op.f('fk_conversation_read_conversation_id_conversation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'],
                                name=op.f('fk_conversation_read_staff_id_staff_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('staff_id', 'conversation_id', name=op.f('pk_conversation_read')),
    )


def downgrade():
    op.drop_table('conversation_read')
