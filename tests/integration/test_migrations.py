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
    assert {f"conversation_search_{name}" for name in ("conversation_ai", "conversation_au", "customer_au",
                                                       "message_ai", "message_au", "message_ad")} <= triggers


def test_conversation_search_backfill(tmp_path, zalo):
    """Conversations written before 0021 get their search document (customer and messages) and FTS5 entry."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from miniapp_api import create_app
    from tests.conftest import _base_config

    app = create_app(_base_config(f"sqlite:///{tmp_path / 'old.db'}", zalo.url))
    now = "2026-11-01 02:00:00"
    with app.app_context():
        upgrade(revision="0014_privacy")
        run = db.session.execute
        for id_, name, text, merged in ((1, "nguyen van an", "ao so mi trang", None), (2, "le lan", None, None),
                                        (3, "tran binh", "da nang", 1)):
            run(sa.text("INSERT INTO customer (id, ref, source, full_name, search_text, merged_into_id, attributes, "
                        "pipeline_status, created_at, updated_at) VALUES (:id, :ref, 'test', :name, :name, :merged, "
                        "'{}', 'new', :now, :now)"), {"id": id_, "ref": f"cus_{id_}", "name": name, "merged": merged,
                                                       "now": now})
            run(sa.text("INSERT INTO oa_contact (id, oa_user_id, customer_id, created_at, enrichment_queued) "
                        "VALUES (:id, :oa, :id, :now, 0)"), {"id": id_, "oa": f"oa{id_}", "now": now})
            run(sa.text("INSERT INTO conversation (id, contact_id, customer_id, status, waiting_for_human, "
                        "opened_at, updated_at) VALUES (:id, :id, :id, 'open', 0, :now, :now)"), {"id": id_, "now": now})
            for text_ in (text, "cam on shop") if text else ():
                run(sa.text("INSERT INTO message (conversation_id, direction, author, type, text, search_text, "
                            "attachments, paid, internal, sent_at, created_at) VALUES (:id, 'in', 'customer', 'text', "
                            ":t, :t, '[]', 0, 0, :now, :now)"), {"id": id_, "t": text_, "now": now})
        db.session.commit()
        upgrade()
        documents = db.session.execute(sa.text(
            "SELECT conversation_id, customer_text, message_text FROM conversation_search ORDER BY 1")).all()
        found = db.session.scalars(sa.text("SELECT rowid FROM conversation_search_fts "
                                           "WHERE conversation_search_fts MATCH '\"nang\"'")).all()
        db.engine.dispose()
    assert [tuple(row) for row in documents] == [(1, "nguyen van an", "ao so mi trang cam on shop"),
                                                 (2, "le lan", None), (3, None, "da nang cam on shop")]
    assert found == [3]


def test_awaiting_reply_backfill(tmp_path, zalo):
    """Open conversations whose customer wrote after the last person's answer wait from that message (0027)."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from miniapp_api import create_app
    from tests.conftest import _base_config

    app = create_app(_base_config(f"sqlite:///{tmp_path / 'old.db'}", zalo.url))
    with app.app_context():
        upgrade(revision="0026_conversation_reads")
        run = db.session.execute
        # 1: the customer's last word is unanswered (a bot replied); 2: staff answered it; 3: closed; 4: silent
        for id_, status, last_customer, answers in (
                (1, "open", "2026-11-01 09:00:00", [("bot", "2026-11-01 09:00:01")]),
                (2, "open", "2026-11-01 09:00:00", [("staff", "2026-11-01 09:05:00")]),
                (3, "closed", "2026-11-01 09:00:00", []), (4, "open", None, [])):
            run(sa.text("INSERT INTO customer (id, ref, source, attributes, pipeline_status, created_at, updated_at) "
                        "VALUES (:id, :ref, 'test', '{}', 'new', :t, :t)"), {"id": id_, "ref": f"cus_{id_}",
                                                                             "t": "2026-11-01 08:00:00"})
            run(sa.text("INSERT INTO oa_contact (id, oa_user_id, customer_id, created_at, enrichment_queued) "
                        "VALUES (:id, :oa, :id, :t, 0)"), {"id": id_, "oa": f"oa{id_}", "t": "2026-11-01 08:00:00"})
            run(sa.text("INSERT INTO conversation (id, contact_id, customer_id, status, waiting_for_human, "
                        "last_customer_message_at, opened_at, updated_at) VALUES (:id, :id, :id, :status, 0, :last, "
                        ":t, :t)"), {"id": id_, "status": status, "last": last_customer, "t": "2026-11-01 08:00:00"})
            for author, at in answers:
                run(sa.text("INSERT INTO message (conversation_id, direction, author, type, text, attachments, paid, "
                            "internal, sent_at, created_at) VALUES (:id, 'out', :author, 'text', 'Dạ', '[]', 0, 0, "
                            ":at, :at)"), {"id": id_, "author": author, "at": at})
        db.session.commit()
        upgrade()
        waiting = dict(db.session.execute(sa.text("SELECT id, awaiting_reply_since FROM conversation")).all())
        db.engine.dispose()
    assert waiting[1] is not None and str(waiting[1]).startswith("2026-11-01 09:00:00")
    assert (waiting[2], waiting[3], waiting[4]) == (None, None, None)
