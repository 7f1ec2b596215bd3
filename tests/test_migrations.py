"""`flask db upgrade` builds the whole schema, and models never drift from migrations."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from miniapp_api.extensions import db
from miniapp_api.models.sql_only import include_object


def test_models_match_migrations(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                "include_object": include_object})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_upgrade_on_an_empty_database(tmp_path, zalo):
    from flask_migrate import upgrade

    from miniapp_api import create_app
    from tests.conftest import _base_config

    app = create_app(_base_config(f"sqlite:///{tmp_path / 'fresh.db'}", zalo.url))
    with app.app_context():
        upgrade()
        tables = set(db.inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert {"customer", "customer_identity", "form", "form_submission", "outbox_event"} <= tables
