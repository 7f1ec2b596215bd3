"""OA webhook ACK latency under mixed load: a burst of signed events while Mini App form submissions run and
the worker applies events, beside the same burst and forms with the worker stopped, in one run; on SQLite and
(with BENCH_DATABASE_URL, a disposable database whose schema is dropped) PostgreSQL.

gunicorn runs with 2 processes × 4 threads on both databases (the deployment the issue measured). The burst
mixes follows (welcome message + profile look-up), texts that trigger an auto-reply, plain texts and images
from BENCH_USERS customers. After both bursts the worker drains everything; "lost" counts events that were
answered 200 but never processed. The worker runs as bench/traced_worker.py, which also reports how long each
job held a database transaction open.
"""
from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import requests
import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.harness import ROOT, flask, gunicorn, sandbox_env, zalo_state  # noqa: E402
from sandbox.server import BackgroundServer  # noqa: E402
from sandbox.zalo import ZaloState, create_sandbox_app  # noqa: E402
from sandbox.zalo.simulator import build_event, encode, note_interaction, sign  # noqa: E402

BURST = int(os.environ.get("BENCH_BURST", "600"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
FORM_THREADS = int(os.environ.get("BENCH_FORM_THREADS", "4"))
USERS = int(os.environ.get("BENCH_USERS", "150"))
DRAIN_SECONDS = float(os.environ.get("BENCH_DRAIN_SECONDS", "240"))
ACTIONS = (("follow", None), ("text", "Giá bao nhiêu vậy shop?"), ("text", "Shop ơi còn hàng không"), ("image", None))


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def burst_events(state: ZaloState, users: list, count: int) -> list[tuple[bytes, str]]:
    """Distinct events (own msg_id, own millisecond: a follow's dedupe key is its ids and timestamp)."""
    run, first_ms = uuid.uuid4().hex[:8], int(state.clock() * 1000)
    time.sleep(count / 1000 + 0.01)  # the next burst's timestamps start after this one's
    events = []
    for i in range(count):
        action, text = ACTIONS[i % len(ACTIONS)]
        payload = build_event(state, action, users[i % len(users)], text=text, msg_id=f"{run}{i:08d}",
                              timestamp_ms=first_ms + i)
        note_interaction(state, payload)
        raw = encode(payload)
        events.append((raw, sign(state, raw, payload)))
    return events


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[int(p * (len(ordered) - 1))] if ordered else float("nan")


def submit_forms(base: str, tokens: list[str], stop: threading.Event, latencies: list[float]) -> None:
    """One Mini App customer after another submits the form until `stop`."""
    with requests.Session() as session:
        i = 0
        while not stop.is_set():
            values = {"full_name": f"Khách hàng {i}", "phone": f"091{i % len(tokens):07d}", "province": "ha-noi",
                      "interest": "pricing", "note": "bench", "marketing_consent": i % 2 == 0}
            started = time.perf_counter()
            session.post(f"{base}/api/v1/miniapp/forms/lien-he/submissions", json={"values": values}, timeout=30,
                         headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"})
            latencies.append(time.perf_counter() - started)
            i += 1


def burst(base: str, events: list[tuple[bytes, str]], tokens: list[str], *, forms: bool) -> dict:
    """Send every event from CONCURRENCY threads (while FORM_THREADS submit forms); ACK latencies and 200s."""
    latencies: list[float] = []
    accepted = 0
    lock = threading.Lock()
    queue = iter(range(len(events)))
    stop, form_latencies = threading.Event(), []
    forms = [threading.Thread(target=submit_forms, args=(base, tokens, stop, form_latencies))
             for _ in range(FORM_THREADS if forms else 0)]

    def sender():
        nonlocal accepted
        with requests.Session() as session:
            while True:
                with lock:
                    i = next(queue, None)
                if i is None:
                    return
                raw, mac = events[i]
                started = time.perf_counter()
                try:
                    ok = session.post(base + "/webhooks/zalo", data=raw, timeout=10, headers={
                        "Content-Type": "application/json", "X-ZEvent-Signature": mac}).status_code == 200
                except requests.RequestException:
                    ok = False
                with lock:
                    latencies.append(time.perf_counter() - started)
                    accepted += ok

    for thread in forms:
        thread.start()
    time.sleep(1 if forms else 0)  # the forms are already writing when the burst starts
    senders = [threading.Thread(target=sender) for _ in range(CONCURRENCY)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()
    stop.set()
    for thread in forms:
        thread.join()
    return {"sent": len(events), "accepted": accepted, "p50": 1000 * statistics.median(latencies),
            "p99": 1000 * percentile(latencies, 0.99), "max": 1000 * max(latencies),
            "forms": len(form_latencies), "forms_p99": 1000 * percentile(form_latencies, 0.99) if forms else 0}


def processed(url: str) -> tuple[int, int]:
    """(events processed or deliberately ignored, events dead) in the main database."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            rows = dict(conn.execute(sa.text("SELECT status, count(*) FROM webhook_event GROUP BY status")).all())
    finally:
        engine.dispose()
    return rows.get("done", 0) + rows.get("ignored", 0), rows.get("dead", 0)


def run_database(state: ZaloState, env: dict, workdir: str) -> dict:
    flask(env, "db", "upgrade")
    flask(env, "forms", "seed")
    access, refresh = state.issue_oa_tokens()
    flask(env, "zalo", "set-token", "--access-token", access, "--refresh-token", refresh)
    flask(env, "rules", "add", "--name", "gia", "--pattern", "gia", "--reply", "Giá từ 100.000đ ạ.", "--form-link")
    users = [state.create_user(f"Khách {n}", phone=f"8493{n:07d}") for n in range(USERS)]
    tx_log = os.path.join(workdir, f"tx-{uuid.uuid4().hex[:6]}.json")
    with gunicorn("wsgi:app", env) as base:
        tokens = [requests.post(f"{base}/api/v1/miniapp/session", timeout=10, json={
            "access_token": state.issue_access_token(user.app_user_id)}).json()["session_token"]
            for user in users[:40]]
        alone = burst(base, burst_events(state, users, BURST), tokens, forms=False)
        stopped = burst(base, burst_events(state, users, BURST), tokens, forms=True)
        worker = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench", "traced_worker.py")], cwd=ROOT,
                                  env={**os.environ, **env, "BENCH_TX_LOG": tx_log},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(3)  # the worker is up and chewing on the first burst's backlog
            running = burst(base, burst_events(state, users, BURST), tokens, forms=True)
            target = alone["accepted"] + stopped["accepted"] + running["accepted"]
            deadline = time.monotonic() + DRAIN_SECONDS
            while time.monotonic() < deadline and sum(processed(env["DATABASE_URL"])) < target:
                time.sleep(1)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    done, dead = processed(env["DATABASE_URL"])
    with open(tx_log) as source:
        transactions = json.load(source)
    return {"alone": alone, "stopped": stopped, "running": running, "done": done, "dead": dead,
            "accepted": target, "lost": target - done - dead, "transactions": transactions}


def describe(label: str, figures: dict) -> str:
    return (f"{label:<52} ACK p50 {figures['p50']:7.1f} ms  p99 {figures['p99']:7.1f} ms  max {figures['max']:7.1f} ms"
            f"  accepted {figures['accepted']}/{figures['sent']}  (forms: {figures['forms']}, "
            f"p99 {figures['forms_p99']:.0f} ms)")


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    state = zalo_state()
    results = []
    with tempfile.TemporaryDirectory() as workdir, BackgroundServer(create_sandbox_app(state)) as zalo:
        env = sandbox_env(workdir, zalo.url, WEB_CONCURRENCY=os.environ.get("BENCH_WEB_CONCURRENCY", "2"),
                          GUNICORN_THREADS=os.environ.get("BENCH_GUNICORN_THREADS", "4"))
        runs = [("SQLite", env)]
        if pg := os.environ.get("BENCH_DATABASE_URL"):
            reset_postgres(pg)
            runs.append(("PostgreSQL", {**env, "DATABASE_URL": pg}))
        for database, run_env in runs:
            results.append((database, run_database(state, run_env, workdir)))

    print(f"gunicorn {env['WEB_CONCURRENCY']} processes x {env['GUNICORN_THREADS']} threads; burst of {BURST} signed events from {CONCURRENCY} client threads, "
          f"{FORM_THREADS} threads submitting forms throughout, {USERS} customers")
    for database, figures in results:
        alone, stopped, running = figures["alone"], figures["stopped"], figures["running"]
        print(describe(f"{database}, burst alone, worker stopped (baseline)", alone))
        print(describe(f"{database}, burst + forms, worker stopped", stopped))
        print(describe(f"{database}, burst + forms + worker running", running))
        print(f"ratio p99 mixed/baseline ({database}): {running['p99'] / alone['p99']:.2f}; "
              f"events accepted {figures['accepted']}, processed {figures['done']}, dead {figures['dead']}, "
              f"lost {figures['lost']}")
        longest = sorted(((max(v), k, len(v), statistics.median(v)) for k, v in figures["transactions"].items()),
                         reverse=True)[:6]
        print(f"  worker transactions ({database}), longest first:")
        for worst, job, n, median in longest:
            print(f"    {job:<46} n {n:6d}  p50 {median:7.1f} ms  max {worst:7.1f} ms")


if __name__ == "__main__":
    main()
