"""submit perf: each form submission keeps its own search text

A customer's search text includes their form answers. It used to be rebuilt
from every submission's answers, labelled again, on each flush of the
customer, so a form submission got slower with every earlier one. Each
submission now stores its text once; the customer's text gathers them.

Revision ID: 0019_submit_perf
Revises: 0014_privacy
"""
from alembic import op
import sqlalchemy as sa

from miniapp_api.models.types import JSONType
from miniapp_api.services.inbox.search_text import submission_text

revision = '0019_submit_perf'
down_revision = '0014_privacy'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('form_submission', sa.Column('search_text', sa.Text(), nullable=True))
    _backfill(op.get_bind())


def _backfill(bind) -> None:
    """Texts of submissions written before this revision (the customer's text already holds them)."""
    form = sa.table("form", sa.column("id", sa.Integer), sa.column("fields", JSONType))
    submission = sa.table("form_submission", sa.column("id", sa.Integer), sa.column("form_id", sa.Integer),
                          sa.column("values", JSONType), sa.column("search_text", sa.Text))
    fields = dict(bind.execute(sa.select(form.c.id, form.c.fields)).all())
    for row_id, form_id, values in bind.execute(sa.select(submission.c.id, submission.c.form_id,
                                                          submission.c["values"])).all():
        text = submission_text(fields.get(form_id) or [], values or {})
        if text:
            bind.execute(sa.update(submission).where(submission.c.id == row_id).values(search_text=text))


def downgrade():
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.drop_column('search_text')
