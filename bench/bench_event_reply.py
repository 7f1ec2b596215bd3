"""Event → auto-reply latency with the real worker: from a signed OA webhook posted to gunicorn until the Zalo
emulator records the automatic reply, one customer message at a time, with wake-ups and with polling only
(WORKER_WAKEUP=0, the 0.5 s poll), on SQLite and (with BENCH_DATABASE_URL, a disposable database whose schema
is dropped) PostgreSQL.

`measure(tree)` runs gunicorn and `python -m miniapp_api.worker` from the source tree `tree`, so the same
script can measure the code before a change beside the code after it (a tree that does not know
WORKER_WAKEUP simply polls in both modes). Messages are spaced by a random 50–600 ms (fixed seed), so a
polling worker is met at every phase of its interval.
"""
from __future__ import annotations

import logging
import os
import pathlib
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import report  # noqa: E402
from bench.harness import (flask, gunicorn, postgres_url, reset_postgres, sandbox_env, tree_env,  # noqa: E402
                           trees, zalo_state)
from sandbox.server import BackgroundServer  # noqa: E402
from sandbox.zalo import ZaloState, create_sandbox_app  # noqa: E402
from sandbox.zalo.simulator import build_event, deliver  # noqa: E402

REPLIES = int(os.environ.get("BENCH_REPLIES", "40"))
WARM_UP = 3  # messages answered before measuring: the worker's start-up runs are over
MODES = (("wake-ups", "1"), ("polling only", "0"))
REPLY = "Giá từ 100.000đ ạ."
WORKER_STARTED = "started with jobs"


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[int(p * (len(ordered) - 1))]


def _start_worker(tree: str, env: dict, log_path: str) -> subprocess.Popen:
    """`python -m miniapp_api.worker` from `tree`, once it says it has started."""
    log = open(log_path, "wb")
    worker = subprocess.Popen([sys.executable, "-m", "miniapp_api.worker"], cwd=tree,
                              env={**os.environ, **env, **tree_env(tree)}, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 60
    while WORKER_STARTED not in pathlib.Path(log_path).read_text(errors="replace"):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start: {pathlib.Path(log_path).read_text()[-2000:]}")
        time.sleep(0.05)
    return worker


def _reply_seconds(state: ZaloState, base: str, name: str) -> float:
    """Post one signed customer message; seconds until the emulator recorded the reply to it."""
    user = state.create_user(name)
    sent = time.time()
    assert deliver(state, build_event(state, "text", user, text="Giá bao nhiêu vậy shop?"),
                   base + "/webhooks/zalo") == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        replies = [m for m in state.sent_messages if m["user_id"] == user.oa_user_id]
        if replies:
            return replies[0]["at"] - sent
        time.sleep(0.002)
    raise RuntimeError("no auto-reply within 30 s")


def _one_run(state: ZaloState, env: dict, tree: str, workdir: str, replies: int) -> dict:
    flask(env, "db", "upgrade", tree=tree)
    access, refresh = state.issue_oa_tokens()
    flask(env, "zalo", "set-token", "--access-token", access, "--refresh-token", refresh, tree=tree)
    flask(env, "rules", "add", "--name", "gia", "--pattern", "gia", "--reply", REPLY, tree=tree)
    worker = _start_worker(tree, env, os.path.join(workdir, f"worker-{uuid.uuid4().hex[:6]}.log"))
    pacing = random.Random(12)
    try:
        with gunicorn("wsgi:app", env, tree=tree) as base:
            for n in range(WARM_UP):
                _reply_seconds(state, base, f"Khởi động {n}")
            latencies = []
            for n in range(replies):
                time.sleep(pacing.uniform(0.05, 0.6))
                latencies.append(_reply_seconds(state, base, f"Khách {n}"))
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    return {"n": len(latencies), "p50_ms": 1000 * statistics.median(latencies),
            "p95_ms": 1000 * _percentile(latencies, 0.95), "max_ms": 1000 * max(latencies)}


def measure(tree: pathlib.Path, *, postgres_url: str | None = None, replies: int = REPLIES) -> dict:
    """{database: {mode: {n, p50_ms, p95_ms, max_ms}}} for the backend in `tree` (SQLite, and PostgreSQL at
    `postgres_url`, whose schema is dropped before each run)."""
    state = zalo_state()
    results: dict[str, dict[str, dict]] = {}
    with tempfile.TemporaryDirectory() as workdir, BackgroundServer(create_sandbox_app(state)) as zalo:
        databases = [("SQLite", None)] + ([("PostgreSQL", postgres_url)] if postgres_url else [])
        for database, url in databases:
            for mode, wake in MODES:
                if url:
                    reset_postgres(url)
                env = sandbox_env(workdir, zalo.url, OA_WELCOME_ENABLED="0", WORKER_WAKEUP=wake,
                                  DATABASE_URL=url or f"sqlite:///{workdir}/{database}-{wake}.db")
                results.setdefault(database, {})[mode] = _one_run(state, env, str(tree), workdir, replies)
    return results


def describe(results: dict, label: str = "") -> list[str]:
    return [f"event → auto-reply{label}, {database}, {mode:<12} (n={f['n']}): p50 {f['p50_ms']:6.0f} ms   "
            f"p95 {f['p95_ms']:6.0f} ms   max {f['max_ms']:6.0f} ms"
            for database, modes in results.items() for mode, f in modes.items()]


def rows(by_tree: dict[str, dict]) -> list[dict]:
    """Summary rows: p50 and p95 per database and mode, before and after (goal: p95 < 150 ms with wake-ups)."""
    after = by_tree["after"]
    before = by_tree.get("before", {})
    found = []
    for database, modes in after.items():
        for mode, figures in modes.items():
            old = before.get(database, {}).get(mode)
            for key, label in (("p50_ms", "p50"), ("p95_ms", "p95")):
                goal = 150 if (key, mode) == ("p95_ms", "wake-ups") else None
                found.append(report.row(f"event → auto-reply {label}, {mode}", database, "ms",
                                        before=old[key] if old else None, after=figures[key], goal_max=goal))
    return found


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    by_tree = {label: measure(pathlib.Path(tree), postgres_url=postgres_url()) for label, tree in trees()}
    for label, results in by_tree.items():
        print("\n".join(describe(results, f" ({label})")))
    report.record("event_reply", rows(by_tree), [
        "signed webhook posted to gunicorn → reply recorded by the Zalo emulator; real worker process; one message "
        "at a time; the tree before wake-ups polls in both modes"])


if __name__ == "__main__":
    main()
