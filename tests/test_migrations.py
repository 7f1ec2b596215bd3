"""The models and the Alembic migrations describe the same schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from miniapp_api.extensions import db


def test_models_and_migrations_do_not_drift(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, db.metadata)
    assert diffs == []
