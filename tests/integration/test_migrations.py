"""`flask db upgrade` builds the whole schema, and models never drift from migrations."""
import json

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


def test_provenance_backfill_marks_crm_and_staff_fields(tmp_path, zalo):
    """Profiles from before 0008: a CRM's name and audited staff edits become trusted, the rest stays the
    customer's (so no typed value can overwrite what staff or a CRM set before the upgrade); the SQLite search
    triggers on `customer` survive the new column."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from miniapp_api import create_app
    from tests.conftest import _base_config

    app = create_app(_base_config(f"sqlite:///{tmp_path / 'old.db'}", zalo.url))
    with app.app_context():
        upgrade(revision="0007_customers")
        now = "2026-11-01 02:00:00"
        for ref, source, name, attributes in (("cus_crm", "crm", "Khách CRM", "{}"),
                                              ("cus_app", "miniapp", "Tự gõ", '{"note": "x"}')):
            db.session.execute(sa.text(
                "INSERT INTO customer (ref, source, full_name, attributes, pipeline_status, created_at, updated_at) "
                "VALUES (:ref, :source, :name, :attributes, 'new', :now, :now)"),
                {"ref": ref, "source": source, "name": name, "attributes": attributes, "now": now})
        db.session.execute(sa.text(
            "INSERT INTO audit_entry (actor_type, actor_label, action, target_type, target_id, detail, at) "
            "VALUES ('staff', 'owner@shop.vn', 'customer.update', 'customer', 'cus_app', :detail, :now)"),
            {"detail": '{"changed": ["email", "attributes"]}', "now": now})
        db.session.commit()
        upgrade()
        sources = dict(db.session.execute(sa.text("SELECT ref, field_sources FROM customer")).all())
        triggers = db.session.scalars(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                              "AND name LIKE 'customer_fts_%'")).all()
        db.engine.dispose()
    assert len(triggers) == 3, "the customer search index is still kept current"
    assert {ref: json.loads(value) for ref, value in sources.items()} == {
        "cus_crm": {"full_name": "crm"}, "cus_app": {"email": "staff", "attributes.note": "staff"}}


def test_search_triggers_survive_every_migration(tmp_path, zalo):
    """A batch (copy-and-move) rebuild of a table on SQLite drops its triggers; the FTS5 search needs them."""
    from flask_migrate import upgrade

    from miniapp_api import create_app
    from tests.conftest import _base_config

    app = create_app(_base_config(f"sqlite:///{tmp_path / 'fresh.db'}", zalo.url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            triggers = set(connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
        db.engine.dispose()
    assert {f"{table}_fts_{kind}" for table in ("customer", "message") for kind in ("ai", "ad", "au")} <= triggers
