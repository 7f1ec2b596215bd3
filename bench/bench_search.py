"""Conversation-list search (`GET /admin/conversations?q=`) p50/p95 at 100k customers / 1M messages,
SQLite and PostgreSQL, for any source tree (`measure(tree)`), so "before" and "after" run side by side.

The data (synthetic Vietnamese customers, one conversation each, ten messages per
conversation) is written through the tables every tree has, at `BASE_REVISION`
(fast multi-row inserts on SQLite, COPY on PostgreSQL), then each tree's own
`flask db upgrade` builds its own structures on top (the per-conversation
search document of 0021 is backfilled there). Both steps are cached under
`var/bench/`: the seeded base keyed by the seed's size and version, the upgraded
database keyed also by the tree's migration head, so a re-run starts measuring
at once. Each tree runs in its own Python process (`python bench_search.py
--worker TREE`), importing that tree's `miniapp_api`.

Timed in-process: `services.inbox.query.page` (what the endpoint runs), first
page of 25, for names, a phrase in one message in twelve, a place, a phone, an
order code (one message in 2,000) and an absent phrase, each typed with and
without diacritics, plus the second page of the common phrase; a primary-key
lookup and an unfiltered page are the baselines from the same run.

    python bench/bench_search.py                  # BENCH_BEFORE_REF and this tree, SQLite and PostgreSQL
    BENCH_DATABASE_URL= python bench/bench_search.py  # SQLite only
    BENCH_SCALE=0.1 python bench/bench_search.py  # a quick smoke run

The PostgreSQL database must be a scratch one: its schema is reset.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import random
import shutil
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for bench.*, imported here: a worker then puts its own tree before it

from bench.harness import reset_postgres  # noqa: E402
CACHE = ROOT / "var" / "bench"
BASE_REVISION = "0014_privacy"  # customer, conversation and message as every measured tree has them
SEED_VERSION = 1  # bump when the generated rows change
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
CUSTOMERS, MESSAGES = int(100_000 * SCALE), int(1_000_000 * SCALE)
REPEAT = int(os.environ.get("BENCH_REPEAT", "40"))
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Đức", "Thu", "Quốc", "Kim"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Linh", "Mai", "Nam", "Phương", "Quân",
         "Tâm", "Trang", "Tuấn", "Yến", "Khoa", "Nhung", "Sơn", "Thảo", "Vy", "Đạt"]
PHRASES = ["Shop ơi còn áo sơ mi trắng size M không?", "Giao hàng nhanh trong ngày được không ạ?",
           "Cho mình xin giá bộ này", "Đơn hàng của mình tới đâu rồi?", "Cảm ơn shop nhé",
           "Mình muốn đổi size", "Có khuyến mãi gì không shop?", "Địa chỉ cửa hàng ở đâu vậy?",
           "Mình chuyển khoản rồi nhé", "Quần jean xanh còn hàng không?", "Dạ shop gửi bạn bảng giá ạ",
           "Phí ship về Đà Nẵng bao nhiêu?"]
# (label, query): each typed with and without diacritics; the order code exists in about one message in 2,000.
QUERIES = [("name", "Nguyễn Văn An"), ("name", "nguyen van an"), ("phrase", "áo sơ mi trắng"),
           ("phrase", "ao so mi trang"), ("place", "Đà Nẵng"), ("place", "da nang"),
           ("phone", "0912000777"), ("order code", "DH-077777"), ("absent", "bánh tráng trộn"),
           ("absent", "banh trang tron")]
COMMON = "ao so mi trang"


# ---------------------------------------------------------------- the parent: one process per tree

def measure(tree: pathlib.Path, database_url: str | None = None) -> dict:
    """Figures of `tree` (a source tree of this project) on SQLite, and on PostgreSQL when `database_url`
    (a scratch database) is given: {"sqlite": {label: {"p50": ms, "p95": ms}}, "postgresql": {...}}."""
    results = {"sqlite": _run_worker(tree, None)}
    if database_url:
        results["postgresql"] = _run_worker(tree, database_url)
    return results


def _run_worker(tree: pathlib.Path, database_url: str | None) -> dict:
    command = [sys.executable, str(pathlib.Path(__file__).resolve()), "--worker", str(tree)]
    if database_url:
        command += ["--database-url", database_url]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(command, cwd=tree, env=env, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def report_lines(label: str, results: dict) -> list[str]:
    return [f"{database} ({label}): {name:<44} p50 {figures['p50']:8.2f} ms   p95 {figures['p95']:8.2f} ms"
            for database, queries in results.items() for name, figures in queries.items()]


def rows(by_tree: dict[str, dict]) -> list[dict]:
    """Summary rows per database: the common phrase's first page (goal: p95 < 50 ms), the slowest query's p95,
    and the primary-key lookup that shows how fast the machine was at the time."""
    from bench import report

    found = []
    before = by_tree.get("before", {})
    for database, queries in by_tree["after"].items():
        old, label = before.get(database, {}), {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[database]
        common = f"list ?q= phrase: {COMMON!r}"
        for key in ("p50", "p95"):
            found.append(report.row(f"inbox search {key}, common phrase", label, "ms",
                                    before=old.get(common, {}).get(key), after=queries[common][key],
                                    goal_max=50 if key == "p95" else None))
        searches = [name for name in queries if name.startswith("list ?q=")]
        slowest = max(searches, key=lambda name: queries[name]["p95"])
        found.append(report.row(f"inbox search p95, slowest query ({slowest.removeprefix('list ?q= ')})", label,
                                "ms", before=max((old[name]["p95"] for name in searches if name in old), default=None),
                                after=queries[slowest]["p95"], goal_max=50))
        pk = "baseline: primary-key lookup"
        found.append(report.row("inbox search baseline: primary-key lookup p50", label, "ms",
                                before=old.get(pk, {}).get("p50"), after=queries[pk]["p50"]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", type=pathlib.Path, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.database_url)))
        return
    from bench import report
    from bench.harness import postgres_url, trees

    by_tree = {label: measure(pathlib.Path(tree), postgres_url()) for label, tree in trees()}
    for label, results in by_tree.items():
        print("\n".join(report_lines(label, results)), flush=True)
    report.record("search", rows(by_tree), [
        f"inbox search: in-process services.inbox.query.page, first page of 25, {CUSTOMERS:,} customers / "
        f"{MESSAGES:,} messages, {REPEAT} timings per query; 'slowest query' before is the slowest of the "
        "tree before"])


# ---------------------------------------------------------------- the worker: inside one tree

def _worker(tree: pathlib.Path, database_url: str | None) -> dict:
    sys.path.insert(0, str(tree))
    import sqlalchemy as sa

    if database_url:
        parsed = sa.engine.make_url(database_url)
        url = str(parsed.set(drivername="postgresql+psycopg")) if parsed.drivername == "postgresql" else database_url
        _prepare_postgresql(tree, url)
    else:
        url = _prepare_sqlite(tree)
    app = _app(url)
    with app.app_context():
        try:
            return _timings(app)
        finally:
            from miniapp_api.extensions import db

            db.session.remove()
            db.engine.dispose()


def _app(url: str):
    from miniapp_api import create_app

    return create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench-search-secret-key"})


def _head(tree: pathlib.Path) -> str:
    """The tree's migration head, which names its cached database."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(tree / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def _seed_key() -> str:
    return f"search-{BASE_REVISION}-{CUSTOMERS}-{MESSAGES}-v{SEED_VERSION}"


def _cached(tree: pathlib.Path, base: pathlib.Path) -> pathlib.Path:
    """Where the seeded database upgraded to the tree's head is kept (the base itself when that is the head)."""
    head = _head(tree)
    return base if head == BASE_REVISION else base.with_name(f"{base.stem}-{head}{base.suffix}")


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision` with the tree's own migrations."""
    from flask_migrate import upgrade as migrate

    from miniapp_api.extensions import db

    with _app(url).app_context():
        migrate(revision=revision)
        db.engine.dispose()


def _prepare_sqlite(tree: pathlib.Path) -> str:
    """A SQLite file at the tree's head holding the data: from the cache, else seeded and upgraded."""
    CACHE.mkdir(parents=True, exist_ok=True)
    base = CACHE / f"{_seed_key()}.db"
    upgraded = _cached(tree, base)
    if not upgraded.exists():
        if not base.exists():
            partial = base.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            upgrade(f"sqlite:///{partial}", BASE_REVISION)
            seed(f"sqlite:///{partial}")
            partial.rename(base)
        partial = upgraded.with_suffix(".partial")
        shutil.copyfile(base, partial)
        started = time.perf_counter()
        upgrade(f"sqlite:///{partial}")
        print(f"sqlite: upgraded to {_head(tree)} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        partial.rename(upgraded)
    work = CACHE / f"work-{os.getpid()}.db"
    shutil.copyfile(upgraded, work)
    import atexit

    atexit.register(work.unlink, missing_ok=True)
    return f"sqlite:///{work}"


def _prepare_postgresql(tree: pathlib.Path, url: str) -> None:
    """The scratch database at the tree's head with the data, restored from a cached dump when there is one."""
    CACHE.mkdir(parents=True, exist_ok=True)
    base = CACHE / f"{_seed_key()}.pgdump"
    upgraded = _cached(tree, base)
    reset_postgres(url)
    if upgraded.exists():
        _restore(url, upgraded)
        return
    if base.exists():
        _restore(url, base)
    else:
        upgrade(url, BASE_REVISION)
        seed(url)
        _dump(url, base)
    started = time.perf_counter()
    upgrade(url)
    print(f"postgresql: upgraded to {_head(tree)} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    _dump(url, upgraded)


def _libpq(url: str) -> str:
    import sqlalchemy as sa

    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _dump(url: str, path: pathlib.Path) -> None:
    partial = path.with_suffix(".partial")
    subprocess.run(["pg_dump", "-Fc", "-f", str(partial), _libpq(url)], check=True)
    partial.rename(path)


def _restore(url: str, path: pathlib.Path) -> None:
    subprocess.run(["pg_restore", "--no-owner", "-j", "2", "-d", _libpq(url), str(path)], check=True)
    _analyze(url)


def _analyze(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()


# ---------------------------------------------------------------- seeding, at BASE_REVISION

def _rows(rng: random.Random, customer_count: int, message_count: int):
    """Customers, contacts, conversations (one each) and messages spread over them."""
    from miniapp_api.services.inbox.search_text import customer_text, normalise

    now = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    customers, contacts, conversations = [], [], []
    for cid in range(1, customer_count + 1):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        phone = f"+849{12000000 + cid:08d}"
        at = now - dt.timedelta(minutes=cid % 20000)
        customers.append((cid, f"cus_bench{cid:09d}", name, name, customer_text(name, name, None, [phone]), at, at,
                          "{}", "bench", "new"))
        contacts.append((cid, f"oa{cid}", cid, at, at, False))
        conversations.append((cid, cid, cid, at, at, at, "open", False))
    normalised = [normalise(p) for p in PHRASES]

    def messages():  # a million rows: made while they are written, not all held at once
        for mid in range(1, message_count + 1):
            k = rng.randrange(len(PHRASES))
            code = f"DH-{mid % 1_000_000 // 2:06d}" if mid % 2000 == 0 else ""
            text = f"{PHRASES[k]} {code}".strip()
            search = f"{normalised[k]} {normalise(code)}".strip()
            at = now - dt.timedelta(seconds=mid % 86400)
            yield (mid, 1 + (mid * 7919) % customer_count, "in" if mid % 2 else "out", "customer" if mid % 2 else "staff",
                   text, search, at, at, False, "text", "[]", False)
    return {
        "customer": ("id, ref, full_name, zalo_display_name, search_text, created_at, updated_at, attributes, source, "
                     "pipeline_status", customers),
        "oa_contact": ("id, oa_user_id, customer_id, created_at, last_interaction_at, enrichment_queued", contacts),
        "conversation": ("id, contact_id, customer_id, opened_at, updated_at, last_customer_message_at, status, "
                         "waiting_for_human", conversations),
        "message": ("id, conversation_id, direction, author, text, search_text, sent_at, created_at, internal, type, "
                    "attachments, paid", messages()),
    }


def seed(url: str, customer_count: int = CUSTOMERS, message_count: int = MESSAGES) -> None:
    """Write the synthetic inbox into the database at `url`, whose schema is at BASE_REVISION."""
    import sqlalchemy as sa

    started = time.perf_counter()
    tables = _rows(random.Random(42), customer_count, message_count)
    engine = sa.create_engine(url)
    postgresql = engine.dialect.name == "postgresql"
    if postgresql:  # COPY into unindexed tables, then build the trigram indexes once
        _pg_trigram_indexes(engine, create=False)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        triggers = [] if postgresql else _drop_sqlite_triggers(cursor, list(tables))
        for table, (names, rows) in tables.items():
            if postgresql:
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(names.split(",")))
                rows = (tuple(v.replace(tzinfo=None).isoformat(" ") if isinstance(v, dt.datetime) else v
                              for v in row) for row in rows)
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        if not postgresql:
            _rebuild_sqlite_fts(cursor, triggers)
        raw.commit()
    finally:
        raw.close()
    if postgresql:
        _pg_trigram_indexes(engine, create=True)
        for table in tables:  # COPY with explicit ids leaves the sequences behind
            with engine.begin() as conn:
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
    engine.dispose()
    print(f"{engine.dialect.name}: seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _drop_sqlite_triggers(cursor, tables: list[str]) -> list[str]:
    """Drop the triggers on `tables` (FTS5 upkeep row by row is most of a load); returns their SQL."""
    cursor.execute("PRAGMA synchronous = OFF")
    marks = ", ".join("?" * len(tables))
    found = cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})",
                           tables).fetchall()
    for name, _sql in found:
        cursor.execute(f"DROP TRIGGER {name}")
    return [sql for _name, sql in found]


def _rebuild_sqlite_fts(cursor, triggers: list[str]) -> None:
    """Rebuild every FTS5 index from its content table once, and put the dropped triggers back."""
    fts = cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                         "AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%'").fetchall()
    for (name,) in fts:
        cursor.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")
    for sql in triggers:
        cursor.execute(sql)


def _pg_trigram_indexes(engine, create: bool) -> None:
    import sqlalchemy as sa

    with engine.begin() as conn:
        for table in ("message", "customer"):
            if create:
                conn.execute(sa.text(f"CREATE INDEX ix_{table}_search_trgm ON {table} "
                                     "USING gin (search_text gin_trgm_ops)"))
            else:
                conn.execute(sa.text(f"DROP INDEX IF EXISTS ix_{table}_search_trgm"))


# ---------------------------------------------------------------- timing

def _time(fn) -> dict:
    fn()  # warm the cache once
    samples = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        fn()
        samples.append(1000 * (time.perf_counter() - started))
    samples.sort()
    return {"p50": round(statistics.median(samples), 3), "p95": round(samples[int(0.95 * (len(samples) - 1))], 3)}


def _timings(app) -> dict:
    from miniapp_api import clock
    from miniapp_api.extensions import db
    from miniapp_api.models import Customer
    from miniapp_api.services.inbox import query as inbox_query

    session, now, rng = db.session, clock.now(), random.Random(7)

    def listed(query: dict):
        def run():
            session.expunge_all()
            return inbox_query.page(session, {"limit": 25, **query}, None, now)
        return run

    def pk():
        session.expunge_all()
        session.get(Customer, rng.randrange(1, CUSTOMERS))

    figures = {"baseline: primary-key lookup": _time(pk), "baseline: list page, no filter": _time(listed({}))}
    for label, text in QUERIES:
        figures[f"list ?q= {label}: {text!r}"] = _time(listed({"q": text}))
    _first, cursor = listed({"q": COMMON})()
    figures[f"list ?q= phrase, page 2: {COMMON!r}"] = _time(listed({"q": COMMON, "cursor": cursor}))
    return figures


if __name__ == "__main__":
    main()
