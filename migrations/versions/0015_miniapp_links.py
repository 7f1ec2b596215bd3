"""miniapp links: an auto-reply rule may send Zalo's request_user_info card

Adds `auto_reply_rule.send_info_request` (existing rules: off).

Revision ID: 0015_miniapp_links
Revises: 0014_privacy
"""
from alembic import op
import sqlalchemy as sa

revision = '0015_miniapp_links'
down_revision = '0014_privacy'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('auto_reply_rule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('send_info_request', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('auto_reply_rule', schema=None) as batch_op:
        batch_op.drop_column('send_info_request')
