"""OA webhook ingest through gunicorn (the settings `make run` uses), against a bare Flask endpoint
in the same run, on SQLite and (with BENCH_DATABASE_URL) PostgreSQL; then the time from a
customer's message being accepted to the automatic reply reaching Zalo, with a real worker process.

Ingest = signature check on the raw bytes, JSON parse, one INSERT … ON CONFLICT DO NOTHING, commit.
BENCH_DATABASE_URL must point at a disposable PostgreSQL database (its tables are created/used).
"""
from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.harness import BIN, ROOT, describe, flask, gunicorn, load, sandbox_env, zalo_state  # noqa: E402
from sandbox.server import BackgroundServer  # noqa: E402
from sandbox.zalo import ZaloState, create_sandbox_app  # noqa: E402
from sandbox.zalo.simulator import build_event, deliver, encode, sign  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
REPLIES = int(os.environ.get("BENCH_REPLIES", "40"))


def signed_events(state: ZaloState, count: int) -> list[tuple[bytes, str]]:
    user = state.create_user("Khách bench")
    run = uuid.uuid4().hex[:8]
    events = []
    for i in range(count):
        payload = build_event(state, "text", user, text=f"Tin nhắn {i}", msg_id=f"{run}{i:08d}")
        raw = encode(payload)
        events.append((raw, sign(state, raw, payload)))
    return events


def ingest(base: str, path: str, events: list[tuple[bytes, str]]) -> dict:
    def send(session, i):
        raw, mac = events[i]
        return session.post(base + path, data=raw, timeout=10,
                            headers={"Content-Type": "application/json", "X-ZEvent-Signature": mac}).status_code
    return load(len(events), CONCURRENCY, send)


def reply_latency(state: ZaloState, env: dict) -> dict:
    """Webhook accepted (HTTP 200) → `/v3.0/oa/message/cs` received by the emulator, per message."""
    access, refresh = state.issue_oa_tokens()
    flask(env, "zalo", "set-token", "--access-token", access, "--refresh-token", refresh)
    flask(env, "rules", "add", "--name", "price", "--pattern", "gia", "--reply", "Giá từ 100.000đ ạ.")
    worker = subprocess.Popen([os.path.join(BIN, "flask"), "worker"], cwd=ROOT, env={**os.environ, **env},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    latencies = []
    try:
        with gunicorn("wsgi:app", env) as base:
            time.sleep(2)  # let the worker start its scheduler
            for i in range(REPLIES):
                user = state.create_user(f"Khách {i}")
                status = deliver(state, build_event(state, "text", user, text="Giá bao nhiêu vậy shop?"),
                                 base + "/webhooks/zalo")
                accepted = time.time()
                assert status == 200, status
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    sent = [m for m in state.sent_messages if m["user_id"] == user.oa_user_id]
                    if sent:
                        latencies.append(sent[0]["at"] - accepted)
                        break
                    time.sleep(0.005)
                time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    latencies.sort()
    return {"n": len(latencies), "p50_ms": 1000 * statistics.median(latencies),
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))]}


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    state = zalo_state()
    results = []
    with tempfile.TemporaryDirectory() as workdir, BackgroundServer(create_sandbox_app(state)) as zalo:
        env = sandbox_env(workdir, zalo.url, OA_WELCOME_ENABLED="0")
        runs = [("SQLite", env)]
        if pg := os.environ.get("BENCH_DATABASE_URL"):
            runs.append(("PostgreSQL", {**env, "DATABASE_URL": pg}))
        for database, run_env in runs:  # each against a bare endpoint under the same gunicorn settings
            flask(run_env, "db", "upgrade")
            with gunicorn("bench.bare_app:app", run_env) as base:
                bare = ingest(base, "/echo", signed_events(state, REQUESTS))
            with gunicorn("wsgi:app", run_env) as base:
                ingested = ingest(base, "/webhooks/zalo", signed_events(state, REQUESTS))
            results.append((database, bare, ingested))
        replies = reply_latency(state, env)

    print(f"gunicorn: miniapp_api.gunicorn_config (gthread; 1x8 on SQLite, 2x4 on PostgreSQL), "
          f"{REQUESTS} requests, {CONCURRENCY} client threads")
    for database, bare, ingested in results:
        print(describe(f"bare Flask ({database} settings)", bare))
        print(describe(f"webhook ingest ({database})", ingested))
        print(f"ratio webhook ingest ({database})/bare: {ingested['rps'] / bare['rps']:.2f}")
    print(f"webhook accepted → auto-reply sent (SQLite, worker polling 0.5 s, n={replies['n']}): "
          f"p50 {replies['p50_ms']:.0f} ms, p95 {replies['p95_ms']:.0f} ms")


if __name__ == "__main__":
    main()
