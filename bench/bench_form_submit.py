"""Form submissions per second through gunicorn (the settings `make run` uses), on SQLite and PostgreSQL,
against a bare Flask JSON endpoint under the same settings, for the code before and after (harness.trees()).

Each submission is a full request as the Mini App sends it: session check, validation against the form
definition, profile upsert (identity lookup, phone normalisation), consent, two outbox rows and the
Idempotency-Key record, one transaction. Every request carries its own Idempotency-Key, so the pool is
rendered beforehand and wrk replays each request once (bench/loadgen.py); sessions are opened first.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import uuid

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import loadgen, report  # noqa: E402
from bench.harness import databases, flask, fresh_database, gunicorn, sandbox_env, trees, zalo_state  # noqa: E402
from sandbox.server import BackgroundServer  # noqa: E402
from sandbox.zalo import ZaloState, create_sandbox_app  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1500"))
USERS = 40
GOALS = {"SQLite": 0.4, "PostgreSQL": 0.5}  # issue 12: submissions against the bare endpoint; p99 < 50 ms


def echo_pool(count: int) -> list[loadgen.Request]:
    return [loadgen.Request("POST", "/echo", {"Content-Type": "application/json"}, json.dumps({"i": i}).encode())
            for i in range(count)]


def sessions(state: ZaloState, base: str) -> list[str]:
    """One Mini App session per customer (the emulator issues the Zalo access token the backend verifies)."""
    tokens = []
    for n in range(USERS):
        user = state.create_user(f"Khách {n}", phone=f"8491{n:07d}")
        body = requests.post(f"{base}/api/v1/miniapp/session", timeout=10,
                             json={"access_token": state.issue_access_token(user.app_user_id)}).json()
        tokens.append(body["session_token"])
    return tokens


def submission_pool(tokens: list[str], count: int) -> list[loadgen.Request]:
    run = uuid.uuid4().hex[:8]
    pool = []
    for i in range(count):
        values = {"full_name": f"Khách hàng {i}", "phone": f"091{i % USERS:07d}", "email": f"k{i}@example.vn",
                  "province": "ha-noi", "interest": "pricing", "note": "bench", "marketing_consent": i % 2 == 0}
        pool.append(loadgen.Request("POST", "/api/v1/miniapp/forms/lien-he/submissions", {
            "Content-Type": "application/json", "Authorization": f"Bearer {tokens[i % USERS]}",
            "Idempotency-Key": f"bench-{run}-{i}"}, json.dumps({"values": values}).encode()))
    return pool


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    state = zalo_state()
    rows = []
    size = loadgen.pool_size(REQUESTS)
    with tempfile.TemporaryDirectory() as workdir, BackgroundServer(create_sandbox_app(state)) as zalo:
        for database, url in databases(workdir):
            env = sandbox_env(workdir, zalo.url, DATABASE_URL=url)
            with gunicorn("bench.bare_app:app", env) as server:
                bare = loadgen.run(server, echo_pool(size), REQUESTS)
            print(loadgen.describe(f"bare Flask JSON endpoint ({database})", bare), flush=True)
            by_tree = {}
            for label, tree in trees():
                run_env = {**env, "DATABASE_URL": fresh_database(url, f"forms-{label}")}
                flask(run_env, "db", "upgrade", tree=tree)
                flask(run_env, "forms", "seed", tree=tree)
                with gunicorn("wsgi:app", run_env, tree=tree) as server:
                    by_tree[label] = loadgen.run(server, submission_pool(sessions(state, server), size), REQUESTS)
                print(loadgen.describe(f"form submission ({database}, {label})", by_tree[label]), flush=True)
            rows += report.load_rows("form submission", database, bare, by_tree, goal_ratio=GOALS[database],
                                     goal_p99_ms=50)
    report.record("form_submit", rows, [loadgen.client_note(), f"form submission: {REQUESTS} requests per server, "
                                        f"{USERS} customers, gunicorn as `make run` (1×8 SQLite, 2×4 PostgreSQL)"])


if __name__ == "__main__":
    main()
