"""`flask worker`, with every database transaction timed per job, for bench_webhook_mixed.py.

How long a job holds a transaction open is how long it holds SQLite's single
writer slot (transactions start with `BEGIN IMMEDIATE`), so the longest ones
bound how long any other writer of the same file may wait. On SIGTERM the
worker stops and writes `{job: [milliseconds, ...]}` as JSON to BENCH_TX_LOG.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time

import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from miniapp_api import worker
from miniapp_api import create_app  # noqa: E402
from miniapp_api import extensions  # noqa: E402,F401  (its BEGIN IMMEDIATE listener first: time the hold, not the wait)

_job = threading.local()
_durations: dict[str, list[float]] = {}
_lock = threading.Lock()
_wrap = worker._in_context


def _named_in_context(app, job):
    run = _wrap(app, job)

    def named():
        _job.name = job.__name__
        run()
    return named


@sa.event.listens_for(sa.engine.Engine, "begin")
def _started(connection):
    connection.info["bench_started"] = time.perf_counter()


@sa.event.listens_for(sa.engine.Engine, "commit")
@sa.event.listens_for(sa.engine.Engine, "rollback")
def _ended(connection):
    started = connection.info.pop("bench_started", None)
    if started is not None:
        key = f"{getattr(_job, 'name', 'startup')} ({connection.engine.url.database.rsplit('/', 1)[-1]})"
        with _lock:
            _durations.setdefault(key, []).append(1000 * (time.perf_counter() - started))


def main() -> None:
    worker._in_context = _named_in_context
    worker.run_worker(create_app())
    with open(os.environ["BENCH_TX_LOG"], "w") as out:
        json.dump(_durations, out)


if __name__ == "__main__":
    main()
