"""Fixtures: a real database per test (SQLite file; PostgreSQL when TEST_DATABASE_URL is set),
the Zalo emulator on a loopback port, the app and its test client, an injectable clock."""
from __future__ import annotations

import os
import shutil

import pytest
import sqlalchemy as sa

from miniapp_api import clock, create_app
from miniapp_api.extensions import db
from miniapp_api.services.forms.definitions import seed_default_form
from crm_sync.clients import close_clients
from crm_sync.standard_webhooks import new_secret
from sandbox.server import BackgroundServer
from sandbox.kiotviet import KiotVietState, create_kiotviet_app
from sandbox.shopone import ShopOneState, create_shopone_app
from sandbox.webhook_receiver import ReceiverState, create_receiver_app
from sandbox.zalo import ZaloState, create_sandbox_app

APP_ID = "3600000000000000001"
APP_SECRET = "test-app-secret"
OA_ID = "3880000000000000001"
OA_SECRET_KEY = "test-oa-secret-key"
SHOPONE_KEY = "test-shopone-key"
KIOTVIET_CREDENTIALS = ("kv-client", "kv-secret", "shoptest")
PG_URL = os.environ.get("TEST_DATABASE_URL")

PG_SKIP_REASON = "PostgreSQL tests skipped: set TEST_DATABASE_URL (CI sets it) to run them"
BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)),
]


def _pg_base() -> sa.engine.URL:
    url = sa.engine.make_url(PG_URL)
    return url.set(drivername="postgresql+psycopg") if url.drivername == "postgresql" else url


def _pg_url() -> str:
    """TEST_DATABASE_URL, or under `pytest -n` (`make test`) a database of this worker's own beside it:
    `<database>_gw0`, `<database>_gw1`, … (created on first use), so parallel workers never share tables."""
    url = _pg_base()
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        url = url.set(database=f"{url.database}_{worker}")
    return url.render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database `url` names unless it exists (connecting to TEST_DATABASE_URL's own)."""
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(_pg_base(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()


def _base_config(database_url: str, zalo_url: str) -> dict:
    return {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
            "ZALO_APP_ID": APP_ID, "ZALO_APP_SECRET": APP_SECRET, "ZALO_OA_ID": OA_ID,
            "ZALO_OA_SECRET_KEY": OA_SECRET_KEY, "ZALO_GRAPH_URL": zalo_url, "ZALO_OPENAPI_URL": zalo_url,
            "ZALO_OAUTH_URL": zalo_url, "ZALO_BUSINESS_URL": zalo_url}


def _migrate(config: dict) -> None:
    from flask_migrate import upgrade

    app = create_app(config)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def zalo_server():
    state = ZaloState(APP_ID, APP_SECRET, OA_ID, OA_SECRET_KEY)
    with BackgroundServer(create_sandbox_app(state)) as server:
        server.app_config = server.app.config
        yield server


@pytest.fixture
def zalo(zalo_server) -> ZaloState:
    """A fresh emulator state for each test, served at `zalo.url`."""
    state = ZaloState(APP_ID, APP_SECRET, OA_ID, OA_SECRET_KEY)
    state.url = zalo_server.url
    zalo_server.app_config["ZALO_STATE"] = state
    return state


@pytest.fixture(scope="session")
def shopone_server():
    with BackgroundServer(create_shopone_app(ShopOneState(SHOPONE_KEY))) as server:
        server.app_config = server.app.config
        yield server


@pytest.fixture
def shopone(shopone_server) -> ShopOneState:
    """A fresh ShopOne emulator state for each test, served at `shopone.url`."""
    state = ShopOneState(SHOPONE_KEY)
    state.url = shopone_server.url
    shopone_server.app_config["SHOPONE_STATE"] = state
    yield state
    state.release.set()  # let requests a test left hanging finish


@pytest.fixture(scope="session")
def kiotviet_server():
    with BackgroundServer(create_kiotviet_app(KiotVietState(*KIOTVIET_CREDENTIALS))) as server:
        server.app_config = server.app.config
        yield server


@pytest.fixture
def kiotviet(kiotviet_server) -> KiotVietState:
    """A fresh KiotViet emulator state for each test, served at `kiotviet.url` (token at `/connect/token`)."""
    state = KiotVietState(*KIOTVIET_CREDENTIALS)
    state.url = kiotviet_server.url
    kiotviet_server.app_config["KIOTVIET_STATE"] = state
    yield state
    state.release.set()


@pytest.fixture(scope="session")
def receiver_server():
    with BackgroundServer(create_receiver_app(ReceiverState(new_secret()))) as server:
        server.app_config = server.app.config
        yield server


@pytest.fixture
def webhook_receiver(receiver_server) -> ReceiverState:
    """An integrator's webhook endpoint at `webhook_receiver.url`, verifying with a fresh secret."""
    state = ReceiverState(new_secret())
    state.url = receiver_server.url + "/hooks"
    receiver_server.app_config["RECEIVER_STATE"] = state
    return state


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory, zalo_server):
    """One migrated SQLite file, copied for every test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(_base_config(f"sqlite:///{path}", zalo_server.url))
    return path


@pytest.fixture(scope="session")
def pg_migrated(zalo_server):
    ensure_database(_pg_url())
    engine = sa.create_engine(_pg_url())
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    _migrate(_base_config(_pg_url(), zalo_server.url))
    return _pg_url()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_migrated")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [name for name in sa.inspect(conn).get_table_names() if name != "alembic_version"]
        conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def frozen_clock():
    frozen = clock.FrozenClock()
    previous = clock.install(frozen)
    yield frozen
    clock.install(previous)


def _seeded_app(config: dict):
    """An app with the default form seeded; its engine is disposed when the test ends."""
    app = create_app(config)
    with app.app_context():
        seed_default_form(db.session)
        db.session.commit()
    yield app
    close_clients(app)
    app.extensions["webhook_ingest_store"].dispose()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(database_url, zalo):
    yield from _seeded_app(_base_config(database_url, zalo.url))


@pytest.fixture
def sandbox_app(database_url, zalo):
    """As `make run` configures it: SANDBOX on, so the Mini App page may use the emulator from the browser."""
    yield from _seeded_app({**_base_config(database_url, zalo.url), "SANDBOX": True, "SANDBOX_ZALO_URL": zalo.url})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def pytest_terminal_summary(terminalreporter):
    """Say once, plainly, which halves of the suite did not run and why: PostgreSQL runs, browser tests."""
    skipped = terminalreporter.stats.get("skipped", [])
    postgres = [r for r in skipped if _skip_reason(r) == PG_SKIP_REASON]
    browser = [r for r in skipped if "browser" in r.keywords and r not in postgres]
    if not PG_URL:
        terminalreporter.write_line(
            f"PostgreSQL: not configured, {len(postgres)} PostgreSQL test runs skipped "
            "(set TEST_DATABASE_URL=postgresql://... to run them; .ci/run does).", yellow=True)
    for reason in sorted({_skip_reason(r) for r in browser}):
        count = sum(1 for r in browser if _skip_reason(r) == reason)
        terminalreporter.write_line(f"Browser: {count} browser test runs skipped ({reason}).", yellow=True)


@pytest.fixture
def oa(app, zalo, frozen_clock):
    """The OA connected: emulator and backend share the frozen clock, a token pair is stored."""
    from miniapp_api.zalo.oauth import TokenPair

    zalo.clock = lambda: frozen_clock.now().timestamp()
    access, refresh = zalo.issue_oa_tokens()
    with app.app_context():
        app.extensions["oa_tokens"].save_pair(TokenPair(access, refresh, 90000), source="test")
    return zalo
