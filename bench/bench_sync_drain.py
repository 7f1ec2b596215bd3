"""Drain 10,000 pending customer deliveries to the local ShopOne emulator, batch calls on and off.

Prints records/second, peak memory (max RSS of the draining process) and the
time until lag reaches zero, on SQLite and, when BENCH_DATABASE_URL is set, on
PostgreSQL. The PostgreSQL database must be a scratch one: its schema is reset.

    python bench/bench_sync_drain.py            # SQLite only
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/scratch python bench/bench_sync_drain.py
"""
from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
RECORDS = int(os.environ.get("BENCH_RECORDS", "10000"))
SECRET = "bench-secret-key"
API_KEY = "bench-shopone-key"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _app(database_url: str):
    from miniapp_api import create_app

    return create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": SECRET})


def _prepare(database_url: str, shopone_url: str, batch_calls: bool) -> None:
    """A fresh schema, one connector, RECORDS pending deliveries (inserted in bulk)."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from bench.harness import reset_postgres

    from crm_sync.admin import save_connector
    from miniapp_api import clock
    from miniapp_api.extensions import db
    from miniapp_api.models import Delivery, OutboxEvent

    app = _app(database_url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            reset_postgres(database_url)
        upgrade()
        connector, _ = save_connector(db.session, SECRET, "shopone", "shopone", credentials={"api_key": API_KEY},
                                      base_url=shopone_url, batch_size=100, batch_calls=batch_calls,
                                      rate_limit_per_second=0)
        now = clock.now()
        snapshots = [{"ref": f"cus_{n:08d}", "full_name": f"Khách {n}", "phone": f"+849{10000000 + n:08d}",
                      "email": None, "province": "Hà Nội", "address": None, "zalo_display_name": None,
                      "zalo": {"oa_user_id": None}, "consents": {}} for n in range(RECORDS)]
        db.session.execute(sa.insert(OutboxEvent), [
            {"id": n + 1, "event_type": "customer.upserted", "aggregate_type": "customer", "aggregate_id": s["ref"],
             "payload": s, "created_at": now, "available_at": now, "status": "done", "attempts": 1}
            for n, s in enumerate(snapshots)])
        db.session.execute(sa.insert(Delivery), [
            {"connector_id": connector.id, "outbox_event_id": n + 1, "aggregate_id": s["ref"],
             "event_type": "customer.upserted", "payload": s, "created_at": now, "available_at": now,
             "status": "pending", "attempts": 0} for n, s in enumerate(snapshots)])
        db.session.commit()
        db.engine.dispose()


def drain(database_url: str, shopone_url: str, batch_calls: bool) -> dict:
    """Runs in its own process so its peak memory is its own."""
    _prepare(database_url, shopone_url, batch_calls)
    from crm_sync.clients import client_for, close_clients
    from crm_sync.dispatcher import Dispatcher
    from crm_sync.engine import lag_seconds, retry_schedule
    from miniapp_api.extensions import db
    from miniapp_api.models import Connector

    app = _app(database_url)
    sent, lag_zero_at = 0, None
    with app.app_context():
        connector = db.session.scalar(db.select(Connector))
        client = client_for(app, connector)
        start = time.perf_counter()
        while lag_zero_at is None:
            tally = Dispatcher(db.session, connector, client, "bench", schedule=retry_schedule(app)).run(max_batches=10)
            sent += tally.sent
            if lag_seconds(db.session, connector.id) == 0:
                lag_zero_at = time.perf_counter() - start
            db.session.commit()
            connector = db.session.get(Connector, connector.id)
        elapsed = time.perf_counter() - start
        close_clients(app)
        db.engine.dispose()
    return {"sent": sent, "seconds": round(elapsed, 2), "per_second": round(sent / elapsed),
            "lag_zero_seconds": round(lag_zero_at, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--drain":
        print(json.dumps(drain(sys.argv[2], sys.argv[3], sys.argv[4] == "batch")))
        return
    port = _free_port()
    env = {**os.environ, "SHOPONE_API_KEY": API_KEY, "PYTHONPATH": ROOT}
    emulator = subprocess.Popen([sys.executable, "-m", "sandbox.shopone", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shopone_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(shopone_url + "/_sandbox/faults", data=b"{}", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        backends = [("sqlite", None)]
        if os.environ.get("BENCH_DATABASE_URL"):
            backends.append(("postgresql", os.environ["BENCH_DATABASE_URL"]))
        print(f"draining {RECORDS} pending customer deliveries to the ShopOne emulator ({shopone_url})")
        print(f"{'database':<11} {'calls':<7} {'records/s':>10} {'total s':>8} {'lag→0 s':>9} {'peak RSS MB':>12}")
        with tempfile.TemporaryDirectory() as tmp:
            for name, url in backends:
                for mode in ("batch", "single"):
                    database_url = url or f"sqlite:///{tmp}/bench-{mode}.db"
                    out = subprocess.run([sys.executable, __file__, "--drain", database_url, shopone_url, mode],
                                         cwd=ROOT, env=env, capture_output=True, text=True, check=True)
                    result = json.loads(out.stdout.strip().splitlines()[-1])
                    assert result["sent"] == RECORDS, result
                    print(f"{name:<11} {mode:<7} {result['per_second']:>10} {result['seconds']:>8} "
                          f"{result['lag_zero_seconds']:>9} {result['peak_rss_mb']:>12}", flush=True)
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


if __name__ == "__main__":
    main()
