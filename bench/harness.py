"""Shared benchmark plumbing: free ports, gunicorn processes, a threaded HTTP load generator.

Figures are printed as ratios against a baseline measured in the same run,
because the machines are shared and absolute numbers drift.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from typing import Callable

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
# The app refuses short keys outside tests; a fresh one per run is as good as any for a benchmark.
SECRET_KEY = secrets.token_hex(32)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=1):
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def tree_env(tree: str) -> dict:
    """Environment entries that make Python import the product from `tree`."""
    return {"PYTHONPATH": tree}


@contextlib.contextmanager
def gunicorn(target: str, env: dict, ready_path: str = "/healthz", tree: str = ROOT):
    """Run `gunicorn -c python:miniapp_api.gunicorn_config TARGET` from `tree` on a free port; yields its base URL."""
    port = free_port()
    env = {**os.environ, **env, **tree_env(tree), "BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": ""}
    process = subprocess.Popen([os.path.join(BIN, "gunicorn"), "-c", "python:miniapp_api.gunicorn_config",
                                "--log-level", "warning", target], cwd=tree, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + ready_path)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def load(requests_total: int, concurrency: int, send: Callable[[requests.Session, int], int]) -> dict:
    """Send `requests_total` requests from `concurrency` threads; returns rate and latency percentiles.

    `send(session, i)` performs request i and returns its HTTP status.
    """
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    counter = iter(range(requests_total))

    def worker():
        with requests.Session() as session:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                started = time.perf_counter()
                try:
                    status = send(session, i)
                except requests.RequestException:
                    status = 599
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if status >= 400:
                        errors.append(status)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {"rps": requests_total / wall, "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))], "errors": len(errors)}


def describe(name: str, figures: dict) -> str:
    return (f"{name:<28} {figures['rps']:8.1f} req/s   p50 {figures['p50_ms']:6.1f} ms   "
            f"p99 {figures['p99_ms']:6.1f} ms   errors {figures['errors']}")


# One Zalo app and OA for the webhook benchmarks; the emulator and the backend share them.
CREDENTIALS = {"ZALO_APP_ID": "3600000000000000009", "ZALO_APP_SECRET": "bench-secret",
               "ZALO_OA_ID": "3880000000000000009", "ZALO_OA_SECRET_KEY": "bench-oa-secret"}


def flask(env: dict, *args: str, tree: str = ROOT) -> None:
    """A `flask` command of the backend in `tree` under `env` (migrations, seeding)."""
    subprocess.run([os.path.join(BIN, "flask"), *args], cwd=tree, env={**os.environ, **env, **tree_env(tree)},
                   check=True, capture_output=True)


def sandbox_env(workdir: str, zalo_url: str, **settings: str) -> dict:
    """The backend's environment against the Zalo emulator at `zalo_url`, SQLite in `workdir`."""
    return {"DATABASE_URL": f"sqlite:///{workdir}/bench.db", "SECRET_KEY": SECRET_KEY, "SANDBOX": "1",
            "FLASK_APP": "wsgi.py", "ZALO_GRAPH_URL": zalo_url, "ZALO_OPENAPI_URL": zalo_url,
            "ZALO_OAUTH_URL": zalo_url, "ZALO_BUSINESS_URL": zalo_url, "OA_AUTO_REPLY_COOLDOWN_SECONDS": "0",
            **CREDENTIALS, **settings}


def zalo_state():
    """The Zalo emulator's state for `CREDENTIALS`."""
    from sandbox.zalo import ZaloState

    return ZaloState(CREDENTIALS["ZALO_APP_ID"], CREDENTIALS["ZALO_APP_SECRET"], CREDENTIALS["ZALO_OA_ID"],
                     CREDENTIALS["ZALO_OA_SECRET_KEY"])
