"""Inbox search latency at 10k and 100k customers (100k and 1M messages), SQLite and PostgreSQL.

Bulk-loads synthetic Vietnamese customers, conversations and messages (the way a
data import would: fast multi-row inserts on SQLite with the FTS triggers live,
COPY on PostgreSQL with the trigram indexes rebuilt after the load), then times
the search the API runs (`/admin/search`: customers + messages, and the `q`
filter of the conversation list) for queries typed with and without
diacritics. Prints p50/p95 next to a primary-key lookup and an unfiltered
list page measured in the same run, because shared machines drift.

    python bench/bench_search.py                      # SQLite only
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/bench_inbox python bench/bench_search.py
    BENCH_SCALE=0.1 python bench/bench_search.py      # a quick smoke run

The PostgreSQL database must be a scratch one: its schema is reset.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import sqlalchemy as sa  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
STAGES = [(int(10_000 * SCALE), int(100_000 * SCALE)), (int(100_000 * SCALE), int(1_000_000 * SCALE))]
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
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


def _app(url: str):
    from miniapp_api import create_app

    return create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench"})


def _reset(url: str) -> None:
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()


def _rows(first_customer: int, last_customer: int, first_message: int, messages: int, rng: random.Random):
    """Customers, contacts, conversations (one each) and messages spread over them."""
    from miniapp_api.services.inbox.search_text import customer_text, normalise

    now = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    customers, contacts, conversations = [], [], []
    for cid in range(first_customer, last_customer):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        phone = f"+849{12000000 + cid:08d}"
        at = now - dt.timedelta(minutes=cid % 20000)
        customers.append((cid, f"cus_bench{cid:09d}", name, customer_text(name, name, None, [phone]), at))
        contacts.append((cid, f"oa{cid}", cid, at))
        conversations.append((cid, cid, cid, at))
    normalised = [normalise(p) for p in PHRASES]
    messages_rows = []
    span = last_customer - first_customer
    for mid in range(first_message, first_message + messages):
        k = rng.randrange(len(PHRASES))
        code = f"DH-{mid % 1_000_000 // 2:06d}" if mid % 2000 == 0 else ""
        text = f"{PHRASES[k]} {code}".strip()
        search = f"{normalised[k]} {normalise(code)}".strip()
        conversation = first_customer + (mid * 7919) % span
        messages_rows.append((mid, conversation, "in" if mid % 2 else "out", "customer" if mid % 2 else "staff",
                              text, search, now - dt.timedelta(seconds=mid % 86400)))
    return customers, contacts, conversations, messages_rows


def _load(engine, stage_rows) -> None:
    customers, contacts, conversations, messages = stage_rows
    cols = {
        "customer": ("id, ref, full_name, zalo_display_name, search_text, created_at, updated_at, attributes, source, "
                     "pipeline_status", [(c[0], c[1], c[2], c[2], c[3], c[4], c[4], "{}", "bench", "new")
                                         for c in customers]),
        "oa_contact": ("id, oa_user_id, customer_id, created_at, last_interaction_at, enrichment_queued",
                       [(c[0], c[1], c[2], c[3], c[3], False) for c in contacts]),
        "conversation": ("id, contact_id, customer_id, opened_at, updated_at, last_customer_message_at, status, "
                         "waiting_for_human", [(c[0], c[1], c[2], c[3], c[3], c[3], "open", False)
                                               for c in conversations]),
        "message": ("id, conversation_id, direction, author, text, search_text, sent_at, created_at, internal, type, "
                    "attachments, paid", [(m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[6], False, "text", "[]", False)
                                          for m in messages]),
    }
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            for table, (names, rows) in cols.items():
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            cursor.execute("BEGIN")
            for table, (names, rows) in cols.items():
                marks = ", ".join("?" * len(names.split(",")))
                rows = [tuple(v.replace(tzinfo=None).isoformat(" ") if isinstance(v, dt.datetime) else v
                              for v in row) for row in rows]
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        raw.commit()
    finally:
        raw.close()


def _pg_indexes(engine, create: bool) -> None:
    with engine.begin() as conn:
        for table in ("message", "customer"):
            if create:
                conn.execute(sa.text(f"CREATE INDEX ix_{table}_search_trgm ON {table} "
                                     "USING gin (search_text gin_trgm_ops)"))
                conn.execute(sa.text(f"ANALYZE {table}"))
            else:
                conn.execute(sa.text(f"DROP INDEX IF EXISTS ix_{table}_search_trgm"))
        if create:
            conn.execute(sa.text("ANALYZE conversation"))


def _time(fn) -> dict:
    fn()  # warm the cache once
    samples = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        fn()
        samples.append(1000 * (time.perf_counter() - started))
    samples.sort()
    return {"p50": statistics.median(samples), "p95": samples[int(0.95 * (len(samples) - 1))]}


def _measure(app, customers: int) -> list[tuple[str, dict]]:
    from miniapp_api import clock
    from miniapp_api.extensions import db
    from miniapp_api.models import Customer
    from miniapp_api.services.inbox import query as inbox_query, search

    rng = random.Random(7)
    results = []
    with app.app_context():
        session = db.session

        def pk():
            session.expunge_all()
            session.get(Customer, rng.randrange(1, customers))

        results.append(("baseline: primary-key lookup", _time(pk)))
        query = {"limit": 25}
        results.append(("baseline: list page, no filter",
                        _time(lambda: inbox_query.page(session, query, None, clock.now()))))
        for label, text in QUERIES:
            terms = search.words(text)

            def run(terms=terms):
                session.expunge_all()
                search.find_customers(session, terms, 20)
                search.find_messages(session, terms, 20)

            results.append((f"search {label}: {text!r}", _time(run)))
        for label, text in QUERIES[:4]:
            listed = {"limit": 25, "q": text}
            results.append((f"list ?q= {label}: {text!r}",
                            _time(lambda listed=listed: inbox_query.page(session, listed, None, clock.now()))))
        session.remove()
    return results


def bench(url: str) -> None:
    from flask_migrate import upgrade

    from miniapp_api.extensions import db

    _reset(url)
    app = _app(url)
    with app.app_context():
        upgrade()
        engine = db.engine
        rng = random.Random(42)
        loaded_customers = loaded_messages = 0
        for customers, messages in STAGES:
            started = time.perf_counter()
            rows = _rows(loaded_customers + 1, customers + 1, loaded_messages + 1, messages - loaded_messages, rng)
            if engine.dialect.name == "postgresql":
                _pg_indexes(engine, create=False)
            _load(engine, rows)
            if engine.dialect.name == "postgresql":
                _pg_indexes(engine, create=True)
            loaded_customers, loaded_messages = customers, messages
            print(f"\n{engine.dialect.name}: {customers:,} customers, {messages:,} messages "
                  f"(loaded in {time.perf_counter() - started:.0f} s)", flush=True)
            for name, figures in _measure(app, customers):
                print(f"  {name:<44} p50 {figures['p50']:8.2f} ms   p95 {figures['p95']:8.2f} ms", flush=True)
        db.engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench(f"sqlite:///{os.path.join(tmp, 'bench.db')}")
    if url := os.environ.get("BENCH_DATABASE_URL"):
        parsed = sa.engine.make_url(url)
        bench(str(parsed.set(drivername="postgresql+psycopg")) if parsed.drivername == "postgresql" else url)


if __name__ == "__main__":
    main()
