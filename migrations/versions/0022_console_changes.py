"""console_change: the change feed open consoles poll for live updates

Revision ID: 0022_console_changes
Revises: 0021_conversation_search

One row per change an open console should show (models/console_change.py),
written in the same transaction as the change (services/live/changes.py).
AUTOINCREMENT on SQLite so pruned ids are never handed out again.
"""
from alembic import op
import sqlalchemy as sa

import miniapp_api.models.types

revision = '0022_console_changes'
down_revision = '0021_conversation_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'console_change',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('previous_assignee_id', sa.Integer(), nullable=True),
        sa.Column('from_queue', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ondelete='CASCADE',
                                name=op.f('fk_console_change_conversation_id_conversation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_console_change')),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_console_change_at'), 'console_change', ['at'], unique=False)
    op.create_index(op.f('ix_console_change_conversation_id'), 'console_change', ['conversation_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_console_change_conversation_id'), table_name='console_change')
    op.drop_index(op.f('ix_console_change_at'), table_name='console_change')
    op.drop_table('console_change')
