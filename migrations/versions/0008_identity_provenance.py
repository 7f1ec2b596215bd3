"""identity provenance: who set each profile field, and the staff side of profile conflicts

Revision ID: 0008_identity_provenance
Revises: 0007_customers

Existing profiles are backfilled so nothing a CRM or staff set can be overwritten by a typed value after the
upgrade: a CRM-created profile's name is marked as the CRM's (the only field CRMs set so far), and every field
named in a `customer.update` audit entry is marked as staff's (attributes: all keys, since the audit does not
name them).
"""
import json

from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB(astext_type=Text()))

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0008_identity_provenance'
down_revision = '0007_customers'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')
STAFF_FIELDS = ("full_name", "email", "province", "address")


def upgrade():
    # A plain ADD COLUMN, not batch mode: on SQLite a batch recreates `customer` and drops the triggers that keep
    # its FTS search index current (0006_inbox).
    op.add_column('customer', sa.Column('field_sources', JSON, server_default=sa.text("'{}'"), nullable=False))
    with op.batch_alter_table('profile_conflict', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=16), type_=sa.String(length=64),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('claim', JSON, nullable=True))
        batch_op.add_column(sa.Column('resolution', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('resolved_by', sa.String(length=254), nullable=True))
    _backfill(op.get_bind())


def _backfill(connection):
    customer = sa.table('customer', sa.column('id', sa.Integer), sa.column('ref', sa.String),
                        sa.column('source', sa.String), sa.column('full_name', sa.String),
                        sa.column('attributes', JSON), sa.column('field_sources', JSON))
    audit = sa.table('audit_entry', sa.column('action', sa.String), sa.column('target_id', sa.String),
                     sa.column('detail', JSON))
    sources: dict[str, dict] = {}
    rows = connection.execute(sa.select(customer.c.ref, customer.c.source, customer.c.full_name,
                                        customer.c.attributes)).all()
    attributes = {ref: _as_dict(attrs) for ref, _source, _name, attrs in rows}
    for ref, source, full_name, _attrs in rows:
        if source == 'crm' and full_name:
            sources.setdefault(ref, {})['full_name'] = 'crm'
    for target, detail in connection.execute(sa.select(audit.c.target_id, audit.c.detail)
                                             .where(audit.c.action == 'customer.update')):
        changed = _as_dict(detail).get('changed') or []
        marks = sources.setdefault(target, {})
        marks.update({name: 'staff' for name in changed if name in STAFF_FIELDS})
        if 'attributes' in changed:
            marks.update({f'attributes.{key}': 'staff' for key in attributes.get(target, {})})
    for ref, marks in sources.items():
        if marks and ref in attributes:
            connection.execute(customer.update().where(customer.c.ref == ref).values(field_sources=marks))


def _as_dict(value) -> dict:
    return json.loads(value) if isinstance(value, str) else (value or {})


def downgrade():
    with op.batch_alter_table('profile_conflict', schema=None) as batch_op:
        batch_op.drop_column('resolved_by')
        batch_op.drop_column('resolution')
        batch_op.drop_column('claim')
        batch_op.alter_column('kind', existing_type=sa.String(length=64), type_=sa.String(length=16),
                              existing_nullable=False)
    op.drop_column('customer', 'field_sources')  # SQLite ≥ 3.35 drops a column in place, keeping the triggers
