"""The benchmark load generator replays each pooled request once and stops at the count (wrk and Python client).

Webhook events are deduplicated by id and submissions by Idempotency-Key, so a replayed request would be cheap and
flatter the figures: the pool's requests must reach the server at most once each, and exactly `count` counted.
"""
from __future__ import annotations

import collections
import threading
import time

import pytest
from flask import Flask, request

from bench import loadgen
from sandbox.server import BackgroundServer


@pytest.fixture
def recorder():
    """A loopback server that counts the bodies it receives (and answers 201, as a submission does)."""
    app = Flask(__name__)
    seen: collections.Counter = collections.Counter()
    lock = threading.Lock()

    @app.post("/take")
    def take():
        with lock:
            seen[request.get_data()] += 1
        return {"ok": True}, 201

    with BackgroundServer(app) as server:
        yield server.url, seen


def _pool(count: int) -> list[loadgen.Request]:
    return [loadgen.Request("POST", "/take", {"Content-Type": "application/json", "X-Signature": f"mac={i}"},
                            f'{{"event": {i}}}'.encode()) for i in range(loadgen.pool_size(count))]


@pytest.mark.parametrize("client", ["wrk", "python"])
def test_each_pooled_request_is_sent_at_most_once_and_count_is_exact(recorder, monkeypatch, client):
    if client == "wrk" and not loadgen.WRK:
        pytest.skip("wrk is not installed (apt-get install wrk)")
    if client == "python":
        monkeypatch.setattr(loadgen, "WRK", None)
    url, seen = recorder
    figures = loadgen.run(url, _pool(300), 300)

    assert figures["client"] == client
    assert figures["requests"] == 300 and not figures["time_bound"]
    assert figures["errors"] == 0 and figures["rps"] > 0 and 0 < figures["p50_ms"] <= figures["p99_ms"]
    assert max(seen.values()) == 1  # no request replayed
    assert 300 <= sum(seen.values()) <= len(_pool(300))
    assert 0 <= figures["client_cpu"] <= 1 and 0 <= figures["other_cpu"] <= 1


def test_a_run_can_be_interrupted_and_still_reports(recorder):
    if not loadgen.WRK:
        pytest.skip("wrk is not installed (apt-get install wrk)")
    url, seen = recorder
    run = loadgen.Run(url, _pool(20_000), 20_000, connections=2)
    deadline = time.monotonic() + 30
    while sum(seen.values()) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)  # waiting for another process's progress, not a backoff
    figures = run.finish(interrupt=True)

    assert 20 <= figures["requests"] < 20_000 and figures["time_bound"]
    assert max(seen.values()) == 1


def test_only_loopback_servers_are_loaded():
    with pytest.raises(ValueError, match="loopback"):
        loadgen.run("http://10.0.0.1:80", _pool(10), 10)


def test_the_pool_must_cover_the_requests_in_flight():
    with pytest.raises(ValueError, match="pool"):
        loadgen.run("http://127.0.0.1:9", _pool(10)[:10], 10)
