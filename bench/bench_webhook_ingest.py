"""OA webhook ingest through gunicorn (the settings `make run` uses), against a bare Flask endpoint receiving the
same signed bodies in the same run, on SQLite and PostgreSQL, for the code before and after (harness.trees()).

Ingest = signature check on the raw bytes, JSON parse, one INSERT … ON CONFLICT DO NOTHING, commit. Every event
has its own msg_id (the ingest deduplicates on it), so the pool is signed beforehand and wrk replays each event
once (bench/loadgen.py). The time from a customer's message to its auto-reply is bench_event_reply.py's.
"""
from __future__ import annotations

import logging
import os
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import loadgen, report  # noqa: E402
from bench.harness import databases, flask, fresh_database, gunicorn, sandbox_env, trees, zalo_state  # noqa: E402
from sandbox.server import BackgroundServer  # noqa: E402
from sandbox.zalo import ZaloState, create_sandbox_app  # noqa: E402
from sandbox.zalo.simulator import build_event, encode, sign  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
GOAL = 0.7  # issue 12: ingest against the bare endpoint, both databases


def signed_events(state: ZaloState, path: str, count: int) -> list[loadgen.Request]:
    """`count` distinct text events from one customer, signed as Zalo signs them."""
    user = state.create_user("Khách bench")
    run = uuid.uuid4().hex[:8]
    pool = []
    for i in range(count):
        payload = build_event(state, "text", user, text=f"Tin nhắn {i}", msg_id=f"{run}{i:08d}")
        raw = encode(payload)
        pool.append(loadgen.Request("POST", path, {"Content-Type": "application/json",
                                                   "X-ZEvent-Signature": sign(state, raw, payload)}, raw))
    return pool


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    state = zalo_state()
    rows = []
    size = loadgen.pool_size(REQUESTS)
    with tempfile.TemporaryDirectory() as workdir, BackgroundServer(create_sandbox_app(state)) as zalo:
        for database, url in databases(workdir):
            env = sandbox_env(workdir, zalo.url, DATABASE_URL=url, OA_WELCOME_ENABLED="0")
            with gunicorn("bench.bare_app:app", env) as server:
                bare = loadgen.run(server, signed_events(state, "/echo", size), REQUESTS)
            print(loadgen.describe(f"bare Flask JSON endpoint ({database})", bare), flush=True)
            by_tree = {}
            for label, tree in trees():
                run_env = {**env, "DATABASE_URL": fresh_database(url, f"ingest-{label}")}
                flask(run_env, "db", "upgrade", tree=tree)
                with gunicorn("wsgi:app", run_env, tree=tree) as server:
                    by_tree[label] = loadgen.run(server, signed_events(state, "/webhooks/zalo", size), REQUESTS)
                print(loadgen.describe(f"webhook ingest ({database}, {label})", by_tree[label]), flush=True)
            rows += report.load_rows("webhook ingest", database, bare, by_tree, goal_ratio=GOAL)
    report.record("webhook_ingest", rows, [loadgen.client_note(), f"webhook ingest: {REQUESTS} signed events per "
                                           "server, gunicorn as `make run` (1×8 SQLite, 2×4 PostgreSQL)"])


if __name__ == "__main__":
    main()
