"""Initial sync records a second per connector kind, against each emulator at the vendor's documented limits.

For each kind a fresh database gets `profiles` Mini App users, its emulator `crm` customers of the shop's own (a
tenth of them sharing a verified phone with a profile), and the initial sync's link and push phases run as the
worker runs them (a slice of the sync, then the connector's own push, in a loop on the real clock). The baseline
of each figure is what the vendor's documented limit allows for that phase (calls a record needs × the limit),
so the ratio says how close to the remote's own ceiling we get:

- ShopOne (our contract, no documented limit): no ceiling; records/s only.
- KiotViet: 5,000 GETs an hour. Linking takes one GET per 100 customers; a profile KiotViet does not hold costs a
  GET (find-before-create) and a POST, so a first push is capped at 5,000/3,600 = 1.39 new records/s sustained.
- Haravan (bucket 80, 4 calls/s) and Sapo (40, 2/s): a listing call per 250 customers; a new customer is a search
  and a create, so 2 and 1 new records/s sustained (the bucket's burst first).
- Nhanh.vn: 150 calls in 30 s (assumed, docs/connectors/nhanh.md); 50 customers a listing page and 50 an add
  call, so 250 records/s either way.

    python bench/bench_initial_sync.py     # SQLite, and PostgreSQL when BENCH_DATABASE_URL / harness finds one
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import report  # noqa: E402
from bench.harness import databases, fresh_database  # noqa: E402

SECRET = "bench-secret-key-" + "x" * 32
# kind → (profiles, CRM customers, the documented limit's records/s for link and for push; None: no limit)
KINDS = {
    "shopone": (5_000, 5_000, None, None),
    "kiotviet": (1_000, 5_000, 100 * 5000 / 3600, 5000 / 3600),
    "haravan": (60, 2_000, 250 * 4.0, 4.0 / 2),
    "sapo": (60, 2_000, 250 * 2.0, 2.0 / 2),
    "nhanh": (1_000, 2_000, 50 * 150 / 30, 50 * 150 / 30),
}


def _emulator(kind: str):
    """(the emulator app, its state, credentials, base URL suffix) at the vendor's documented limits."""
    if kind == "shopone":
        from sandbox.shopone import ShopOneState, create_shopone_app
        state = ShopOneState("bench-key")
        return create_shopone_app(state), state, {"api_key": "bench-key"}
    if kind == "kiotviet":
        from sandbox.kiotviet import KiotVietState, create_kiotviet_app
        state = KiotVietState("bench-id", "bench-secret", "benchshop")
        return create_kiotviet_app(state), state, {"client_id": "bench-id", "client_secret": "bench-secret",
                                                    "retailer": "benchshop"}
    if kind == "nhanh":
        from sandbox.nhanh import NhanhState, create_nhanh_app
        state = NhanhState("4401", "9921", "bench-token")
        return create_nhanh_app(state), state, {"app_id": "4401", "business_id": "9921", "access_token": "bench-token"}
    from sandbox.shopify_like import ShopifyLikeState, create_shopify_like_app
    bucket, leak = (80, 4.0) if kind == "haravan" else (40, 2.0)
    state = ShopifyLikeState("bench-token", bucket=bucket, leak=leak)
    return create_shopify_like_app(state, kind), state, {"access_token": "bench-token"}


def _seed(kind: str, state, profiles: int, crm: int) -> None:
    """Profiles in bulk (every tenth CRM customer's phone verified on one), the shop's own customers at the CRM."""
    import sqlalchemy as sa

    from miniapp_api import clock
    from miniapp_api.extensions import db
    from miniapp_api.models import Customer, CustomerIdentity

    now = clock.now()
    refs = [f"cus_bench{i:06d}" for i in range(profiles)]
    ids = dict(db.session.execute(sa.insert(Customer).returning(Customer.ref, Customer.id), [
        {"ref": ref, "attributes": {}, "field_sources": {}, "source": "miniapp", "created_at": now, "updated_at": now}
        for ref in refs]).all())
    db.session.execute(sa.insert(CustomerIdentity), [
        {"customer_id": ids[ref], "kind": kind_, "value": value, "verified": True, "source": "miniapp",
         "created_at": now}
        for i, ref in enumerate(refs) for kind_, value in (("zalo_app", f"bench-{i}"), ("phone", f"+8491{i:07d}"))])
    db.session.commit()
    for j in range(crm):
        local = f"091{j:07d}" if j % 10 == 0 and j < profiles else f"098{j:07d}"
        if kind == "shopone":
            state.add_native({"name": f"Khách {j}", "phone": local})
        elif kind == "kiotviet":
            state.seed({"name": f"Khách {j}", "contactNumber": local})
        elif kind == "nhanh":
            state.seed({"name": f"Khách {j}", "mobile": local})
        else:
            state.seed({"first_name": f"Khách {j}", "phone": local})


def measure_one(kind: str, database_url: str) -> dict:
    """Run in a process of its own: a fresh schema, the emulator on loopback, the sync to its end."""
    from flask_migrate import upgrade

    from crm_sync import initial_sync
    from crm_sync.admin import save_connector
    from crm_sync.clients import client_for, close_clients
    from crm_sync.engine import sync_connector
    from miniapp_api import create_app
    from miniapp_api.extensions import db
    from sandbox.server import BackgroundServer

    profiles, crm, _, _ = KINDS[kind]
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": SECRET})
    emulator, state, credentials = _emulator(kind)
    with BackgroundServer(emulator) as server, app.app_context():
        upgrade()
        if kind == "kiotviet":
            credentials["token_url"] = f"{server.url}/connect/token"
        connector, _ = save_connector(db.session, SECRET, "crm", kind, base_url=server.url, credentials=credentials,
                                      rate_limit_per_second=None if kind == "nhanh" else 0, batch_size=100)
        db.session.commit()
        _seed(kind, state, profiles, crm)
        connector = db.session.get(type(connector), connector.id)
        sync = initial_sync.start(db.session, connector, client_for(app, connector), ["link", "push"])
        db.session.commit()
        sync_id, began = sync.id, time.perf_counter()
        while True:
            initial_sync.run_due(app, db.session, "bench")
            sync_connector(app, "crm", owner="bench")
            sync = db.session.get(initial_sync.InitialSync, sync_id)
            db.session.refresh(sync)
            if sync.status != "pending" and sync.status != "processing":
                break
            time.sleep(0.05)
        progress = initial_sync.progress(db.session, sync, "crm")
        close_clients(app)
        db.session.remove()
        db.engine.dispose()
    phases = {phase["phase"]: phase for phase in progress["phases"]}
    violations = getattr(state, "violations", []) or ([] if not getattr(state, "overflows", 0) else ["overflow"])
    return {"status": progress["status"], "seconds": round(time.perf_counter() - began, 1),
            "link": {"records": phases["link"]["done"], "seconds": sync.tally["link"]["seconds"]},
            "push": {"records": phases["push"]["counts"].get("queued", 0), "seconds": sync.tally["push"]["seconds"],
                     "current": phases["push"]["counts"].get("current", 0)},
            "violations": len(violations)}


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(measure_one(sys.argv[2], sys.argv[3])))
        return
    found, notes = [], []
    with tempfile.TemporaryDirectory() as workdir:
        for database, url in databases(workdir):
            for kind, (profiles, crm, link_limit, push_limit) in KINDS.items():
                target = fresh_database(url, f"initial-{kind}")
                target = f"sqlite:///{target}" if not target.startswith(("sqlite", "postgresql")) else target
                figures = json.loads(subprocess.run(
                    [sys.executable, __file__, "--one", kind, target], check=True, capture_output=True,
                    text=True).stdout.strip().splitlines()[-1])
                print(f"{database} {kind}: {figures}", flush=True)
                if figures["status"] != "done" or figures["violations"]:
                    raise SystemExit(f"{database} {kind}: the sync did not finish within the remote's limits")
                for phase, limit in (("link", link_limit), ("push", push_limit)):
                    done, seconds = figures[phase]["records"], figures[phase]["seconds"]
                    found.append(report.row(f"initial sync {kind} {phase} ({done:,} records)", database, "req/s",
                                            after=done / seconds if seconds else None, bare=limit))
    notes.append("initial sync: records/s per phase (link: the CRM's customers listed and linked; push: profiles the "
                 "CRM did not hold, sent), in the \"bare\" column what the vendor's documented limit allows for that "
                 "phase (ShopOne has none); the emulators enforce the limits on the real clock (KiotViet counts GETs "
                 "per hour; Haravan and Sapo keep a leaky bucket); app, worker loop and emulator share one process")
    report.record("initial_sync", found, notes)


if __name__ == "__main__":
    main()
