"""worker heartbeat: OA sends record when they were handed to Zalo

Revision ID: 0010_worker_heartbeat
Revises: 0008_identity_provenance
Create Date: 2026-12-02 11:10:00

Leases are renewed by the worker's heartbeat (no schema change); an OA send
records the start of its call so a retry after a crash checks Zalo first.
"""
from alembic import op

import miniapp_api.models.types  # noqa: F401  (UTCDateTime)
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0010_worker_heartbeat'
down_revision = '0008_identity_provenance'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('oa_outbound', schema=None) as batch_op:
        batch_op.add_column(sa.Column('send_started_at', miniapp_api.models.types.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('oa_outbound', schema=None) as batch_op:
        batch_op.drop_column('send_started_at')
