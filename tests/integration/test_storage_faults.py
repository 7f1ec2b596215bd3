"""A full or read-only database: writes answer 503 with Retry-After, /readyz says not ready, both recover
without a restart. Real faults, not mocks: SQLite's page limit gives a genuine "database or disk is full",
PostgreSQL's `default_transaction_read_only` a genuine read-only error (on a database of this suite's own)."""
from __future__ import annotations

import shutil

import psycopg
import pytest
import sqlalchemy as sa

from miniapp_api import pool_ping
from miniapp_api.extensions import db
from miniapp_api.models import FormSubmission
from miniapp_api.storage import storage_fault
from tests.conftest import BACKENDS, _base_config, _migrate, _pg_url, _seeded_app, ensure_database
from tests.helpers import bearer, contact_values, open_session, zalo_user

SUBMIT = "/api/v1/miniapp/forms/lien-he/submissions"
SQLITE_DEFAULT_MAX_PAGES = 1073741823


class SqliteDiskFull:
    """Every connection the app checks out may not grow the file beyond `pages` (a full disk, for SQLite)."""

    reason = "disk full"

    def __init__(self, app):
        self.app, self.pages = app, None
        with app.app_context():
            sa.event.listen(db.engine, "checkout", self._apply)

    def _apply(self, dbapi_connection, _record, _proxy):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count = {self.pages or SQLITE_DEFAULT_MAX_PAGES}")
        cursor.close()

    def start(self):
        with self.app.app_context(), db.engine.connect() as connection:
            self.pages = connection.exec_driver_sql("PRAGMA page_count").scalar()

    def stop(self):
        self.pages = None


class PostgresReadOnly:
    """The database turns read-only (as after a failover to a standby) and back."""

    reason = "read-only"

    def __init__(self, app, url):
        self.app, self.name = app, sa.engine.make_url(url).database
        self.admin = sa.create_engine(_pg_url(), isolation_level="AUTOCOMMIT")

    def start(self):
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'ALTER DATABASE "{self.name}" SET default_transaction_read_only = on')
        with self.app.app_context():
            db.engine.dispose()  # the setting applies to connections opened from now on

    def stop(self):
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'ALTER DATABASE "{self.name}" RESET default_transaction_read_only')
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_own_database(zalo_server):
    """`<test database>_ro`, migrated: a database this suite may make read-only without touching others."""
    url = sa.engine.make_url(_pg_url())
    own = url.set(database=f"{url.database}_ro")
    own_url = own.render_as_string(hide_password=False)
    ensure_database(own_url)
    engine = sa.create_engine(own)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    _migrate(_base_config(own_url, zalo_server.url))
    return own_url


@pytest.fixture(params=BACKENDS)
def faulty(request, tmp_path, zalo):
    """An app, and a fault to start and stop on its database."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_own_database")
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            tables = [n for n in sa.inspect(connection).get_table_names() if n != "alembic_version"]
            connection.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        engine.dispose()
    apps = _seeded_app(_base_config(url, zalo.url))
    app = next(apps)
    fault = SqliteDiskFull(app) if request.param == "sqlite" else PostgresReadOnly(app, url)
    yield app, fault
    fault.stop()
    next(apps, None)


def _submissions(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(FormSubmission))


def _submit_until_refused(client, session, attempts=40):
    """Submissions fill what room is left in the file's pages; the first that needs a new page is refused."""
    for _ in range(attempts):
        response = client.post(SUBMIT, json={"values": contact_values(note="x" * 1000)}, headers=bearer(session))
        if response.status_code != 201:
            return response
    raise AssertionError(f"{attempts} submissions went through on a full database")


def _assert_unavailable(response, reason):
    assert response.status_code == 503, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "30"
    body = response.get_json()
    assert body["type"] == "urn:problem:storage-unavailable" and body["status"] == 503
    assert reason in body["detail"]


def test_full_or_read_only_database_is_503_and_not_ready_until_it_recovers(faulty, zalo, frozen_clock):
    app, fault = faulty
    client = app.test_client()
    session = open_session(client, zalo, zalo_user(zalo))
    assert client.get("/readyz").status_code == 200

    fault.start()
    _assert_unavailable(client.get("/readyz"), fault.reason)  # the probe sees it before any request fails
    before = _submissions(app)
    refused = _submit_until_refused(client, session)
    _assert_unavailable(refused, fault.reason)
    accepted = _submissions(app) - before
    _assert_unavailable(client.get("/readyz"), fault.reason)

    fault.stop()  # space freed / database writable again; the process is not restarted
    assert client.get("/readyz").status_code == 503  # a request met the fault: not ready for Retry-After
    frozen_clock.advance(seconds=31)
    assert client.get("/readyz").get_json()["status"] == "ready"
    again = client.post(SUBMIT, json={"values": contact_values()}, headers=bearer(session))
    assert again.status_code == 201, again.get_json()
    assert _submissions(app) == before + accepted + 1  # the refused submission left nothing behind


@pytest.mark.parametrize("sqlstate, reason", [("25006", "read-only"), ("53100", "disk full"),
                                              ("53300", "too many connections"), ("58030", "I/O error"),
                                              ("08006", "unreachable"), ("23505", None), ("57014", None)])
def test_postgresql_faults_are_told_from_bugs_by_sqlstate(sqlstate, reason):
    """The classification table; the real read-only error is exercised above."""
    class DriverError(Exception):
        pass

    error = DriverError()
    error.sqlstate = sqlstate
    assert storage_fault(error) == reason


def test_connections_that_died_while_resting_in_the_pool_are_replaced_unseen(app, client, zalo, database_url,
                                                                            monkeypatch):
    """A database restart (here: every session of the app ended by the server) while the app is quiet: the
    next requests get fresh connections, not errors. A connection that rested over IDLE_PING_SECONDS is pinged
    at checkout (miniapp_api/pool_ping.py); the clock it reads is moved instead of waiting."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to lose the connection to")
    session = open_session(client, zalo, zalo_user(zalo))
    for n in range(3):  # several pooled connections in use, then resting
        assert client.post(SUBMIT, json={"values": contact_values(note=f"{n}")},
                           headers=bearer(session)).status_code == 201
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
        ended = admin.execute("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
    assert ended >= 1
    rested = pool_ping.monotonic() + pool_ping.IDLE_PING_SECONDS + 1
    monkeypatch.setattr(pool_ping, "monotonic", lambda: rested)
    assert client.get("/readyz").status_code == 200
    again = client.post(SUBMIT, json={"values": contact_values(note="after")}, headers=bearer(session))
    assert again.status_code == 201, again.get_json()
    assert _submissions(app) == 4
