"""conversation.awaiting_reply_since: since when the customer has waited for a person's answer

Revision ID: 0027_awaiting_reply
Revises: 0026_conversation_reads

Existing open conversations whose customer wrote after the last answer from a person (staff here, or Zalo's own
console) start waiting from that customer's last message: the first unanswered one is not worth a scan of every
message, and the figure only orders the inbox.
"""
from alembic import op
import sqlalchemy as sa

import miniapp_api.models.types

revision = '0027_awaiting_reply'
down_revision = '0026_conversation_reads'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('conversation') as batch:
        batch.add_column(sa.Column('awaiting_reply_since', miniapp_api.models.types.UTCDateTime(timezone=True),
                                   nullable=True))
        batch.create_index(batch.f('ix_conversation_awaiting_reply_since'), ['awaiting_reply_since'])
    op.execute("""
        UPDATE conversation SET awaiting_reply_since = last_customer_message_at
        WHERE status <> 'closed' AND last_customer_message_at IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM message
            WHERE message.conversation_id = conversation.id AND message.direction = 'out'
              AND message.internal = false AND message.author IN ('staff', 'oa_console')
              AND message.sent_at >= conversation.last_customer_message_at)
    """)


def downgrade():
    with op.batch_alter_table('conversation') as batch:
        batch.drop_index(batch.f('ix_conversation_awaiting_reply_since'))
        batch.drop_column('awaiting_reply_since')
