"""Where one request's time goes, in-process (no network, no gunicorn): a Mini App form submission or an OA
webhook, through Flask's test client against a real database.

    .venv/bin/python bench/profile_requests.py submit            # SQLite in a temporary folder
    .venv/bin/python bench/profile_requests.py webhook --database postgresql://postgres@127.0.0.1/x

Prints the milliseconds per request (without and with cProfile), the SQL statements and ORM flushes per request
(counted with SQLAlchemy events), the statements themselves for one request, and the top functions of the
profile. A PostgreSQL database given with --database has its public schema dropped and recreated.
Not part of `make bench` (it measures no ratio): it is the tool to find what to make faster.
"""
from __future__ import annotations

import argparse
import collections
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
import uuid

import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.harness import reset_postgres  # noqa: E402
from miniapp_api.zalo.signature import signature_header  # noqa: E402

APP_ID, OA_SECRET = "3600000000000000009", "profile-oa-secret"
USERS = 40


class Counter:
    """SQL statements (by their first words) and ORM flushes while `active`."""

    def __init__(self):
        self.active, self.statements, self.flushes, self.text = False, 0, 0, []

    def install(self, engines, session_class) -> None:
        for engine in engines:
            sa.event.listen(engine, "before_cursor_execute", self._statement)
        sa.event.listen(session_class, "after_flush", self._flush)

    def _statement(self, _conn, _cursor, statement, *_args):
        if self.active:
            self.statements += 1
            self.text.append(" ".join(statement.split())[:150])

    def _flush(self, *_args):
        if self.active:
            self.flushes += 1


def scratch_postgres(url: str) -> str:
    """The scratch database at `url`, emptied, as a SQLAlchemy URL."""
    reset_postgres(url)
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def build_app(database_url: str):
    from flask_migrate import upgrade

    from miniapp_api import create_app
    from miniapp_api.extensions import db
    from miniapp_api.services.forms.definitions import seed_default_form

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "p" * 40,
                      "ZALO_APP_ID": APP_ID, "ZALO_APP_SECRET": "s", "ZALO_OA_SECRET_KEY": OA_SECRET})
    with app.app_context():
        upgrade()
        seed_default_form(db.session)
        db.session.commit()
    return app


def submission_requests(app, count: int):
    """Requests as the benchmark sends them: 40 Mini App users, each submitting again and again."""
    from miniapp_api.extensions import db
    from miniapp_api.services.forms import capture
    from miniapp_api.services.transactions import run_in_transaction
    from miniapp_api.zalo.graph import ZaloUser

    tokens = []
    with app.app_context():
        for n in range(USERS):
            user = ZaloUser(id=f"app-user-{n}", name=f"Khách {n}", avatar_url=None)
            run_in_transaction(db.session, lambda: capture.open_session(db.session, user, None))
            tokens.append(app.extensions["session_tokens"].issue(user.id))
    for i in range(count):
        values = {"full_name": f"Khách hàng {i}", "phone": f"091{i % USERS:07d}", "email": f"k{i}@example.vn",
                  "province": "ha-noi", "interest": "pricing", "note": "bench", "marketing_consent": i % 2 == 0}
        yield ("/api/v1/miniapp/forms/lien-he/submissions",
               {"json": {"values": values}, "headers": {"Authorization": f"Bearer {tokens[i % USERS]}"}})


def webhook_requests(_app, count: int):
    """Signed `user_send_text` events, each with its own msg_id."""
    import json

    run = uuid.uuid4().hex[:8]
    for i in range(count):
        timestamp = str(1_760_000_000_000 + i)
        payload = {"app_id": APP_ID, "user_id_by_app": "app-user-1", "event_name": "user_send_text",
                   "timestamp": timestamp, "sender": {"id": "oa-user-1"}, "recipient": {"id": "oa-1"},
                   "message": {"msg_id": f"{run}{i:08d}", "text": f"Tin nhắn {i}"}}
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        yield ("/webhooks/zalo", {"data": raw, "headers": {
            "Content-Type": "application/json",
            "X-ZEvent-Signature": signature_header(APP_ID, raw, timestamp, OA_SECRET)}})


SCENARIOS = {"submit": (submission_requests, 201), "webhook": (webhook_requests, 200)}


def run(client, requests, expected: int) -> float:
    """Seconds for all `requests`; every answer must be `expected`."""
    started = time.perf_counter()
    for path, kwargs in requests:
        response = client.post(path, **kwargs)
        if response.status_code != expected:
            raise SystemExit(f"{path}: {response.status_code} {response.get_data(as_text=True)[:300]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--database", help="PostgreSQL URL (its schema is dropped); default: SQLite in a temp dir")
    parser.add_argument("--warmup", type=int, default=200, help="requests before measuring (a customer's history "
                                                                 "grows as in the benchmark)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    options = parser.parse_args()

    from sqlalchemy.orm import Session

    from miniapp_api.extensions import db
    from miniapp_api.ingest_store import ingest_engine

    build, expected = SCENARIOS[options.scenario]
    with tempfile.TemporaryDirectory() as workdir:
        url = scratch_postgres(options.database) if options.database else f"sqlite:///{workdir}/profile.db"
        app = build_app(url)
        client = app.test_client()
        counter = Counter()
        with app.app_context():
            counter.install({db.engine, ingest_engine(app)}, Session)
        requests = list(build(app, options.warmup + 2 * options.requests + 1))
        warmup, plain, profiled, last = (requests[:options.warmup],
                                         requests[options.warmup:options.warmup + options.requests],
                                         requests[options.warmup + options.requests:-1], requests[-1:])
        run(client, warmup, expected)
        counter.active = True
        plain_seconds = run(client, plain, expected)
        counter.active = False
        profiler = cProfile.Profile()
        profiler.enable()
        profiled_seconds = run(client, profiled, expected)
        profiler.disable()
        statements, flushes = counter.statements, counter.flushes
        counter.text, counter.active = [], True
        run(client, last, expected)

    n = options.requests
    database = "PostgreSQL" if options.database else "SQLite"
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    # Python calls per request: a figure a busy machine does not move, unlike the milliseconds.
    print(f"{options.scenario} on {database}: {1000 * plain_seconds / n:.2f} ms per request "
          f"({1000 * profiled_seconds / n:.2f} ms under cProfile), {stats.total_calls / n:,.0f} Python function "
          f"calls, {statements / n:.1f} SQL statements and {flushes / n:.1f} ORM flushes per request "
          f"({n} requests after {options.warmup} warm-up)")
    print("statements of one request:")
    for kind, times in collections.Counter(counter.text).items():
        print(f"  {times} x {kind}")
    stats.sort_stats("cumulative").print_stats(options.top)
    stats.sort_stats("tottime").print_stats(options.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
