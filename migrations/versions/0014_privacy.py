"""privacy: remove what earlier erasures left behind

Customers erased before this release kept their search text (names, phones in
`84…`/`0…` forms: still found by phone), and `customer.merged` events about them
kept a reason naming the phone that matched. Data only; no schema change.

Revision ID: 0014_privacy
Revises: 0013_login_limits
"""
from alembic import op
import sqlalchemy as sa

from miniapp_api.models.types import JSONType

revision = '0014_privacy'
down_revision = '0013_login_limits'
branch_labels = None
depends_on = None

MERGED_REFS = ("survivor_ref", "merged_ref")


def upgrade():
    bind = op.get_bind()
    customer = sa.table("customer", sa.column("ref", sa.String), sa.column("search_text", sa.Text),
                        sa.column("erased_at", sa.DateTime))
    bind.execute(sa.update(customer).where(customer.c.erased_at.is_not(None)).values(search_text=None))
    erased = sa.select(customer.c.ref).where(customer.c.erased_at.is_not(None))
    for name in ("outbox_event", "delivery"):
        queue = sa.table(name, sa.column("id", sa.Integer), sa.column("event_type", sa.String),
                         sa.column("aggregate_id", sa.String), sa.column("payload", JSONType))
        rows = bind.execute(sa.select(queue.c.id, queue.c.payload).where(
            queue.c.event_type == "customer.merged", queue.c.aggregate_id.in_(erased))).all()
        for row_id, payload in rows:
            refs_only = {key: (payload or {}).get(key) for key in MERGED_REFS}
            bind.execute(sa.update(queue).where(queue.c.id == row_id).values(payload=refs_only))


def downgrade():
    pass  # erased data does not come back
