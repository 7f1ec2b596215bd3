"""Shared benchmark plumbing: free ports, gunicorn processes, the code trees and databases to measure.

Figures are printed as ratios against a baseline measured in the same run, because the machines are shared and
absolute numbers drift; for the same reason the code before a change is measured in the same run as the code
after it (`trees()`: the servers run from a checkout of BENCH_BEFORE_REF, the benchmark scripts stay current).
"""
from __future__ import annotations

import contextlib
import functools
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


class Server(str):
    """A server's base URL that also knows the server's process id (for its CPU time)."""

    pid: int

    def __new__(cls, url: str, pid: int):
        server = super().__new__(cls, url)
        server.pid = pid
        return server


def tree_env(tree: str) -> dict:
    """Environment entries that make Python import the product from `tree`."""
    return {"PYTHONPATH": tree}


@contextlib.contextmanager
def gunicorn(target: str, env: dict, ready_path: str = "/healthz", tree: str = ROOT):
    """Run `gunicorn -c python:miniapp_api.gunicorn_config TARGET` from `tree` on a free port; yields a `Server`."""
    port = free_port()
    env = {**os.environ, **env, **tree_env(tree), "BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": ""}
    process = subprocess.Popen([os.path.join(BIN, "gunicorn"), "-c", "python:miniapp_api.gunicorn_config",
                                "--log-level", "warning", target], cwd=tree, env=env)
    base = Server(f"http://127.0.0.1:{port}", process.pid)
    try:
        wait_for(base + ready_path, seconds=120)  # a loaded 2-core machine can take most of a minute
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def load(requests_total: int, concurrency: int, send: Callable[[requests.Session, int], int],
         deadline: float | None = None, stop: threading.Event | None = None) -> dict:
    """Send `requests_total` requests from `concurrency` threads (until time.monotonic() `deadline` or `stop`, if
    given); returns the count sent, rate and latency percentiles.

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
                if i is None or (deadline is not None and time.monotonic() > deadline) or (stop and stop.is_set()):
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
    return {"requests": len(latencies), "rps": len(latencies) / wall, "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))], "max_ms": 1000 * latencies[-1],
            "errors": len(errors)}


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


# --- Before and after: the code of BENCH_BEFORE_REF, checked out beside the current tree ----------------------
BEFORE_REF = os.environ.get("BENCH_BEFORE_REF", "0567410")  # main before issue 12 ("Hot paths")
BEFORE_DIR = os.path.join(ROOT, "var", "bench", "before")
NOTES: list[str] = []  # what the harness decided (skipped trees or databases); benchmarks report them


def _git(*args: str, cwd: str = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@functools.cache
def before_tree() -> str | None:
    """A detached worktree of BENCH_BEFORE_REF at var/bench/before (reused when already there), or None."""
    if BEFORE_REF.lower() in ("", "none"):
        NOTES.append("before: not measured (BENCH_BEFORE_REF is empty)")
        return None
    try:
        commit = _git("rev-parse", "--verify", "--quiet", f"{BEFORE_REF}^{{commit}}")
        if os.path.exists(os.path.join(BEFORE_DIR, ".git")):
            if _git("rev-parse", "HEAD", cwd=BEFORE_DIR) != commit:
                _git("checkout", "--quiet", "--force", "--detach", commit, cwd=BEFORE_DIR)
        else:
            _git("worktree", "prune")
            _git("worktree", "add", "--quiet", "--detach", BEFORE_DIR, commit)
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        NOTES.append(f"before: not measured (cannot check out {BEFORE_REF!r}: {detail.strip()[:200]})")
        return None
    missing = _requirements_only_in(BEFORE_DIR)
    if missing:
        try:
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True,
                           capture_output=True, text=True)
        except subprocess.CalledProcessError as error:
            NOTES.append(f"before: not measured (cannot install {' '.join(missing)}: {error.stderr.strip()[:200]})")
            return None
        NOTES.append(f"before: installed what only it requires: {' '.join(missing)}")
    NOTES.append(f"before: {BEFORE_REF} ({commit[:10]}) checked out at var/bench/before; "
                 f"after: the current tree ({_git('rev-parse', '--short', 'HEAD')} + any uncommitted changes)")
    return BEFORE_DIR


def _requirements_only_in(tree: str) -> list[str]:
    """The pinned requirements of `tree` naming a package the current tree does not require (a library it dropped
    since): installed beside the current ones, which they cannot change, so the before tree can start."""
    def pins(root: str) -> dict[str, str]:
        with open(os.path.join(root, "requirements.txt")) as lines:
            found = (line.split("#")[0].strip() for line in lines)
            return {line.split("==")[0].split("[")[0].lower().replace("_", "-"): line for line in found if line}
    current = pins(ROOT)
    return [line for name, line in pins(tree).items() if name not in current]


def trees() -> list[tuple[str, str]]:
    """[("before", path), ("after", ROOT)]: run the servers from each path in turn, in the same run."""
    before = before_tree()
    return ([("before", before)] if before else []) + [("after", ROOT)]


# --- Databases: a fresh SQLite file or a reset PostgreSQL schema per server under test --------------------------
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/bench"


def _psycopg_params(url: str) -> dict:
    from psycopg.conninfo import conninfo_to_dict

    return conninfo_to_dict(url.replace("postgresql+psycopg://", "postgresql://", 1))


@functools.cache
def postgres_url() -> str | None:
    """BENCH_DATABASE_URL (default: the local `bench` database, created if missing), or None when unreachable.

    An empty BENCH_DATABASE_URL skips PostgreSQL. The database is scratch: benchmarks drop its schema. Only a
    loopback server is accepted, so a benchmark can never reset a shared database.
    """
    import psycopg

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES)
    if not url:
        NOTES.append("PostgreSQL: skipped (BENCH_DATABASE_URL is empty: turned off, or `make bench` found no server)")
        return None
    params = _psycopg_params(url)
    if params.get("host", "localhost") not in ("127.0.0.1", "localhost", "::1"):
        NOTES.append(f"PostgreSQL: skipped (host {params.get('host')} is not loopback)")
        return None
    try:
        try:
            psycopg.connect(**params, connect_timeout=3).close()
        except psycopg.OperationalError as error:
            if "does not exist" not in str(error):
                raise
            with psycopg.connect(**{**params, "dbname": "postgres"}, connect_timeout=3, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{params["dbname"]}"')
    except psycopg.Error as error:
        NOTES.append(f"PostgreSQL: skipped ({url} unreachable: {' '.join(str(error).split())[:160]})")
        return None
    return url


def reset_postgres(url: str) -> None:
    """Drop and recreate the public schema of the scratch database at `url`."""
    import psycopg

    with psycopg.connect(**_psycopg_params(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def databases(workdir: str) -> list[tuple[str, str]]:
    """[("SQLite", url), ("PostgreSQL", url)], PostgreSQL only when reachable (see `postgres_url`)."""
    pg = postgres_url()
    return [("SQLite", f"sqlite:///{workdir}/bench.db")] + ([("PostgreSQL", pg)] if pg else [])


def fresh_database(url: str, name: str) -> str:
    """An empty database for one server under test: SQLite gets the file `name`.db beside `url`'s, PostgreSQL
    (one scratch database) a reset schema."""
    if url.startswith("sqlite"):
        return os.path.join(os.path.dirname(url), f"{name}.db")
    reset_postgres(url)
    return url


if __name__ == "__main__":  # `python bench/harness.py postgres-url`: the URL the benchmarks will use, or ""
    print(postgres_url() or "")
    print("\n".join(NOTES), file=sys.stderr)
