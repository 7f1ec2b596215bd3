"""Campaigns at shop scale: plan one to 100,000 customers, then drain it to the Zalo emulator at a set pace.

Per database (SQLite; PostgreSQL when `make bench` found one), in a process of its own so its memory is its own:
1. seed 100,000 customers who can get a consultation message (a recent interaction, marketing consent, a tag);
2. plan the campaign: wall time and the peak of Python memory while planning (tracemalloc), and the growth of the
   process's maximum RSS (goal: ≤ 30 s);
3. start it at `BENCH_CAMPAIGN_RATE` messages a minute and run the worker's two jobs as the worker does (the
   campaign job once a second, the OA sender in between) for `BENCH_DRAIN_SECONDS`; the emulator receives them.
   Figures: achieved rate against the configured one (goal: within 5 %), the most sends queued in any one
   second (goal: no burst above the pace), every queued recipient exactly once at the emulator, and the RSS
   growth while draining (goal: flat).

    python bench/bench_campaigns.py                    # SQLite only
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/scratch python bench/bench_campaigns.py
"""
from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import report  # noqa: E402
from bench.harness import CREDENTIALS, SECRET_KEY, databases, fresh_database  # noqa: E402

CUSTOMERS = int(os.environ.get("BENCH_CAMPAIGN_CUSTOMERS", "100000"))
RATE = int(os.environ.get("BENCH_CAMPAIGN_RATE", "600"))  # messages a minute
DRAIN_SECONDS = int(os.environ.get("BENCH_DRAIN_SECONDS", "60"))
CHUNK = 10_000


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _seed(db, now: dt.datetime, oa_ids: list[str]) -> None:
    """CUSTOMERS customers with an OA contact (interaction an hour ago), marketing consent and the tag `vip`."""
    import sqlalchemy as sa

    from miniapp_api.models import ConsentRecord, Customer, CustomerTag, OaContact, Tag

    db.session.add(Tag(name="vip", created_at=now))
    db.session.flush()
    tag_id = db.session.scalar(sa.select(Tag.id).where(Tag.name == "vip"))
    recent = now - dt.timedelta(hours=1)
    for start in range(0, CUSTOMERS, CHUNK):
        ids = range(start + 1, min(start + CHUNK, CUSTOMERS) + 1)
        db.session.execute(sa.insert(Customer), [
            {"id": i, "ref": f"cus_bench{i:07d}", "source": "bench", "full_name": f"Khách {i}", "attributes": {},
             "pipeline_status": "new", "created_at": now, "updated_at": now} for i in ids])
        db.session.execute(sa.insert(OaContact), [
            {"id": i, "oa_user_id": oa_ids[i - 1] if i <= len(oa_ids) else f"9{i:017d}", "customer_id": i,
             "is_follower": True, "last_interaction_at": recent, "created_at": now, "enrichment_queued": True}
            for i in ids])
        db.session.execute(sa.insert(ConsentRecord), [
            {"customer_id": i, "purpose": "marketing", "granted": True, "text": "Đồng ý", "version": "1",
             "source": "bench", "recorded_at": now} for i in ids])
        db.session.execute(sa.insert(CustomerTag), [{"customer_id": i, "tag_id": tag_id} for i in ids])
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        for table in ("customer", "oa_contact"):
            db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT max(id) FROM {table}))"))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))  # as autovacuum would have by now in a shop's database


def measure_one(url: str) -> dict:
    """Everything for one database, in this process."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from miniapp_api import clock, create_app
    from miniapp_api.extensions import db
    from miniapp_api.models import Campaign, CampaignRecipient
    from miniapp_api.models.campaign import QUEUED
    from miniapp_api.services.campaigns import control, planning
    from miniapp_api.services.campaigns.sending import JOB_SECONDS, send_due as send_campaigns
    from miniapp_api.services.oa.delivery import send_due as send_oa
    from miniapp_api.zalo.oauth import TokenPair
    from sandbox.server import BackgroundServer
    from sandbox.zalo import ZaloState, create_sandbox_app
    from sandbox.zalo.simulator import build_event, note_interaction

    state = ZaloState(*(CREDENTIALS[k] for k in ("ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_ID",
                                                   "ZALO_OA_SECRET_KEY")))
    drained = RATE * DRAIN_SECONDS // 60 + RATE // 60 + 10  # every recipient the drain can reach exists at Zalo
    users = [state.create_user(f"Khách {i}") for i in range(drained)]
    for user in users:
        note_interaction(state, build_event(state, "text", user, text="alo"))
    with BackgroundServer(create_sandbox_app(state)) as zalo:
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, **CREDENTIALS,
                          "ZALO_GRAPH_URL": zalo.url, "ZALO_OPENAPI_URL": zalo.url, "ZALO_OAUTH_URL": zalo.url,
                          "ZALO_BUSINESS_URL": zalo.url, "CAMPAIGN_QUIET_HOURS": "", "CAMPAIGN_FREQUENCY_CAP": 5})
        with app.app_context():
            upgrade()
            access, refresh = state.issue_oa_tokens()
            app.extensions["oa_tokens"].save_pair(TokenPair(access, refresh, 90000), source="bench")
            now = clock.now()
            _seed(db, now, [u.oa_user_id for u in users])
            campaign = Campaign(name="bench", audience={"tags": ["vip"]}, text="Chào {ten_khach}, ưu đãi 20%!",
                                rate_per_minute=RATE, created_at=now, updated_at=now)
            db.session.add(campaign)
            db.session.commit()

            rss_before = _rss_mb()
            started = time.perf_counter()
            plan = planning.plan(db.session, campaign, app.config)
            db.session.commit()
            plan_seconds = time.perf_counter() - started
            rss_after_plan = _rss_mb()
            tracemalloc.start()  # planned again to measure its memory: tracing slows it several times over
            planning.plan(db.session, campaign, app.config)
            db.session.commit()
            plan_peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()

            rss_before_drain = _rss_mb()
            control.move(db.session, campaign, "start")
            db.session.commit()
            campaign_id = campaign.id
            stop = threading.Event()

            def oa_sender():  # its own thread, as the worker's jobs are
                with app.app_context():
                    while not stop.is_set():
                        send_oa(app, "bench")
                        db.session.remove()
                        stop.wait(0.05)

            sender = threading.Thread(target=oa_sender)
            sender.start()
            began = time.monotonic()
            next_tick = began
            while time.monotonic() - began < DRAIN_SECONDS:  # the campaign job, as often as the worker runs it
                send_campaigns(db.session, app.config)
                db.session.remove()
                next_tick += JOB_SECONDS
                time.sleep(max(0.0, next_tick - time.monotonic()))
            elapsed = time.monotonic() - began
            stop.set()
            sender.join()
            for _ in range(5):
                send_oa(app, "bench")
            queued_at = sorted(db.session.scalars(sa.select(CampaignRecipient.queued_at).where(
                CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.status == QUEUED)))
            rss_after_drain = _rss_mb()
        sent = [m["user_id"] for m in state.sent_messages]
    window = [sum(1 for t in queued_at if start <= t < start + dt.timedelta(seconds=1)) for start in queued_at]
    return {"plan_seconds": plan_seconds, "plan_peak_mb": plan_peak_mb, "recipients": plan["recipients"],
            "rss_plan_growth_mb": rss_after_plan - rss_before, "rss_drain_growth_mb": rss_after_drain - rss_before_drain,
            "queued": len(queued_at), "achieved_per_minute": 60 * len(queued_at) / elapsed,
            "max_in_one_second": max(window, default=0), "at_emulator": len(sent), "distinct_at_emulator": len(set(sent))}


def rows(database: str, found: dict) -> list[dict]:
    per_second = RATE / 60
    return [
        report.row(f"campaign plan, {CUSTOMERS:,} recipients", database, "s", after=found["plan_seconds"], goal_max=30),
        report.row("campaign plan: Python memory peak", database, "MB", after=found["plan_peak_mb"]),
        report.row("campaign plan: max RSS growth", database, "MB", after=found["rss_plan_growth_mb"]),
        report.row(f"campaign drain: achieved messages/min (configured {RATE})", database, "msg/min",
                   after=found["achieved_per_minute"], bare=RATE, goal_ratio=0.95),
        report.row("campaign drain: most queued in one second", database, "msg", after=found["max_in_one_second"],
                   goal_max=per_second * 1.05 + 1),
        report.row("campaign drain: max RSS growth", database, "MB", after=found["rss_drain_growth_mb"]),
        report.row("campaign drain: queued, at the emulator, distinct", database, "msg",
                   after=float(f"{found['queued']}.0"), bare=found["distinct_at_emulator"]),
    ]


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(measure_one(sys.argv[2])))
        return
    found = []
    with tempfile.TemporaryDirectory() as workdir:
        for database, url in databases(workdir):
            target = fresh_database(url, "campaigns")
            target = f"sqlite:///{target}" if not target.startswith(("sqlite", "postgresql")) else target
            out = subprocess.run([sys.executable, __file__, "--one", target], check=True, capture_output=True,
                                 text=True).stdout.strip().splitlines()[-1]
            figures = json.loads(out)
            print(f"{database}: {figures}", flush=True)
            if figures["at_emulator"] != figures["queued"] or figures["distinct_at_emulator"] != figures["queued"]:
                raise SystemExit(f"{database}: sends at the emulator do not match the queued recipients once each")
            found += rows(database, figures)
    report.record("campaigns", found, [
        f"campaigns: {CUSTOMERS:,} customers tagged, consenting and in the free window; plan in-process; drain "
        f"{DRAIN_SECONDS} s at {RATE}/min with the campaign job every 0.25 s and the OA sender in a thread of its own, as the worker runs them, to "
        "the Zalo emulator on loopback"])


if __name__ == "__main__":
    main()
