"""The floor under a form submission: its statements alone, as SQLAlchemy Core text compiled once, in one
transaction, with no ORM, no validation and no identity rules; beside the real submission, in-process.

    .venv/bin/python bench/floor_submission.py                    # SQLite in a temporary folder
    .venv/bin/python bench/floor_submission.py postgresql://postgres@127.0.0.1:5432/scratch   # schema dropped

The statements are shaped like the ones `bench/profile_requests.py submit` lists (the form, the profiles and
their identities, the version, the consents, the stored texts, the customer UPDATE, the submission, consent and
two outbox INSERTs, the journeys), on the database the real app built and warmed with 200 submissions. Not part
of `make bench`: it answers one question for docs/performance.md, how much of a submission's time budget the
database round of a submission takes before any of its logic runs.
"""
import datetime as dt
import json
import os
import sys
import tempfile
import time
import uuid

import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.profile_requests import build_app, run, scratch_postgres, submission_requests  # noqa: E402

COUNT = 2000


def statements(postgres: bool) -> dict[str, sa.TextClause]:
    lock = " FOR UPDATE" if postgres else ""
    return {name: sa.text(sql) for name, sql in {
        "form": "SELECT id, version FROM form WHERE slug = :slug AND active",
        "lock": "SELECT id, ref, full_name, email, province, attributes, version FROM customer WHERE id IN "
                "(SELECT customer_id FROM customer_identity WHERE (kind = 'zalo_app' AND value = :uid) "
                "OR (kind = 'phone' AND value = :phone))" + lock,
        "identities": "SELECT id, customer_id, kind, value, verified, source FROM customer_identity "
                      "WHERE customer_id = :cid",
        "version": "UPDATE customer SET version = version + 2 WHERE ref = :ref RETURNING version",
        "consents": "SELECT id, purpose, granted FROM consent_record WHERE customer_id = :cid ORDER BY id",
        "texts": "SELECT id, search_text FROM form_submission WHERE customer_id = :cid ORDER BY id",
        "customer": "UPDATE customer SET full_name = :name, email = :email, search_text = :text, updated_at = :now "
                    "WHERE id = :cid",
        "submission": "INSERT INTO form_submission (ref, form_id, form_version, customer_id, submitted_by, raw, "
                      "\"values\", search_text, created_at) VALUES (:ref, 1, 1, :cid, :uid, :raw, :raw, :text, :now) "
                      "RETURNING id",
        "consent": "INSERT INTO consent_record (customer_id, purpose, granted, text, version, source, form_slug, "
                   "submission_id, recorded_at) VALUES (:cid, 'marketing', true, 'x', '1', 'miniapp_form', "
                   "'lien-he', :sid, :now)",
        "outbox": "INSERT INTO outbox_event (event_type, aggregate_type, aggregate_id, sequence, payload, "
                  "created_at, status, attempts, available_at) VALUES (:type, 'customer', :ref, :sequence, :raw, "
                  ":now, 'pending', 0, :now)",
        "journeys": "SELECT id, \"trigger\" FROM journey WHERE status = 'active'",
    }.items()}


def one_submission(engine: sa.Engine, sql: dict, customer: tuple[int, str], n: int) -> None:
    cid, ref = customer
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    raw = json.dumps({"full_name": f"Khách {n}", "phone": "+84910000001", "email": "k@example.vn", "n": n})
    with engine.begin() as connection:
        run_sql = connection.execute
        run_sql(sql["form"], {"slug": "lien-he"}).all()
        run_sql(sql["lock"], {"uid": f"app-user-{n % 40}", "phone": "+84910000001"}).all()
        run_sql(sql["identities"], {"cid": cid}).all()
        version = run_sql(sql["version"], {"ref": ref}).scalar()
        run_sql(sql["consents"], {"cid": cid}).all()
        run_sql(sql["texts"], {"cid": cid}).all()
        run_sql(sql["customer"], {"name": f"Khách {n}", "email": "k@example.vn", "text": "khach", "now": now,
                                  "cid": cid})
        submission = run_sql(sql["submission"], {"ref": uuid.uuid4().hex[:20], "cid": cid, "uid": f"app-user-{n}",
                                                 "raw": raw, "text": "khach", "now": now}).scalar()
        run_sql(sql["consent"], {"cid": cid, "sid": submission, "now": now})
        for sequence, kind in ((version - 1, "customer.upserted"), (version, "form.submitted")):
            run_sql(sql["outbox"], {"type": kind, "ref": ref, "sequence": sequence, "raw": raw, "now": now})
        run_sql(sql["journeys"]).all()


def main() -> None:
    from miniapp_api.extensions import db

    with tempfile.TemporaryDirectory() as workdir:
        url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{workdir}/floor.db"
        postgres = url.startswith("postgresql")
        if postgres:
            url = scratch_postgres(url)
        app = build_app(url)
        client = app.test_client()
        run(client, list(submission_requests(app, 200)), 201)
        with app.app_context():
            engine = db.engine
        with engine.connect() as connection:
            customers = connection.execute(sa.text("SELECT id, ref FROM customer")).all()
        sql = statements(postgres)
        for n in range(200):  # warm-up
            one_submission(engine, sql, customers[n % len(customers)], n)
        started = time.perf_counter()
        for n in range(COUNT):
            one_submission(engine, sql, customers[n % len(customers)], n)
        floor = (time.perf_counter() - started) / COUNT
        real = run(client, list(submission_requests(app, 600)), 201) / 600
    print(f"{'PostgreSQL' if postgres else 'SQLite'}: a submission's 12 statements alone (Core text, one "
          f"transaction) {1000 * floor:.3f} ms; the real submission in-process (Flask test client) "
          f"{1000 * real:.3f} ms")


if __name__ == "__main__":
    main()
