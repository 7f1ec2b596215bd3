"""submit perf: each form submission keeps its own search text

A customer's search text includes their form answers. It used to be rebuilt
from every submission's answers, labelled again, on each flush of the
customer, so a form submission got slower with every earlier one. Each
submission now stores its text once; the customer's text gathers them.

No backfill: a migration calling today's labelling code would break once that
code changes. A null text means "not computed yet": the search listener
computes it the first time the customer's text is refreshed
(`services.inbox.search_text`), and until then the customer's text still holds
those answers from before.

Revision ID: 0019_submit_perf
Revises: 0018_zns
"""
from alembic import op
import sqlalchemy as sa

revision = '0019_submit_perf'
down_revision = '0018_zns'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('form_submission', sa.Column('search_text', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.drop_column('search_text')
