"""shop_setting: the welcome message and business hours as edited in the console

Revision ID: 0025_shop_settings
Revises: 0024_setup_code
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import miniapp_api.models.types

revision = '0025_shop_settings'
down_revision = '0024_setup_code'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'shop_setting',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                  nullable=False),
        sa.Column('updated_at', miniapp_api.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_shop_setting')),
    )


def downgrade():
    op.drop_table('shop_setting')
