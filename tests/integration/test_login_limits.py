"""Failed staff logins: exactly the limit reach the password check, however many arrive at once, in one process
or several sharing the database; counted per address and per account; the client address comes from
X-Forwarded-For only behind a configured number of trusted proxies."""
from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from collections import Counter

import pytest
import redis
import sqlalchemy as sa

from miniapp_api.worker import purge_login_counters
from miniapp_api.extensions import db
from miniapp_api.models import LoginThrottle
from tests.conftest import _base_config, _seeded_app
from tests.staff_helpers import PASSWORD, make_staff

LOGIN = "/api/v1/admin/auth/login"
WRONG = {"email": "agent@shop.vn", "password": "sai-mat-khau-roi"}


def _at_once(calls) -> Counter:
    """Run every call in its own thread, all released together; count the status codes."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = []

    def run(call):
        barrier.wait()
        statuses.append(call())

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(statuses)


def _attempt(app, body=WRONG, address="203.0.113.7", headers=None):
    def call():
        client = app.test_client()
        return client.post(LOGIN, json=body, headers=headers, environ_base={"REMOTE_ADDR": address}).status_code
    return call


@pytest.fixture
def second_app(database_url, zalo, app):
    """Another instance on the same database: a second process, or a second host."""
    yield from _seeded_app(_base_config(database_url, zalo.url))


def test_forty_wrong_passwords_at_once_get_exactly_ten_tries(app, frozen_clock):
    make_staff(app, "agent")
    assert _at_once([_attempt(app)] * 40) == {401: 10, 429: 30}


def test_two_processes_sharing_the_database_share_the_limit(app, second_app, frozen_clock):
    make_staff(app, "agent")
    assert _at_once([_attempt(app), _attempt(second_app)] * 20) == {401: 10, 429: 30}


def test_an_account_is_limited_across_addresses(app, frozen_clock):
    make_staff(app, "agent")
    spread = [_attempt(app, address=f"198.51.100.{n}") for n in range(40)]
    assert _at_once(spread) == {401: 10, 429: 30}
    # the addresses themselves are not blocked: another account may still be tried from them
    assert _attempt(app, {"email": "other@shop.vn", "password": "x"}, "198.51.100.1")() == 401


def test_an_ipv6_subscriber_cannot_rotate_through_its_prefix(app, frozen_clock):
    spread = [_attempt(app, {"email": f"staff{n}@shop.vn", "password": "x"}, f"2001:db8:1:2::{n:x}")
              for n in range(12)]
    assert _at_once(spread) == {401: 10, 429: 2}


def test_an_address_is_limited_across_accounts(app, frozen_clock):
    spread = [_attempt(app, {"email": f"staff{n}@shop.vn", "password": "x"}) for n in range(40)]
    assert _at_once(spread) == {401: 10, 429: 30}


def test_the_window_ends_and_only_failures_count(app, client, frozen_clock):
    make_staff(app, "agent")
    for _ in range(9):
        assert client.post(LOGIN, json=WRONG).status_code == 401
    assert client.post(LOGIN, json={"email": "agent@shop.vn", "password": PASSWORD}).status_code == 200
    assert client.post(LOGIN, json=WRONG).status_code == 401  # the success took no slot: 10th failure
    blocked = client.post(LOGIN, json={"email": "agent@shop.vn", "password": PASSWORD})
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "900"
    assert blocked.mimetype == "application/problem+json"
    # a person reads the wait in minutes, in their language
    assert blocked.get_json()["detail"] == "Too many failed logins; try again in 15 min."
    vietnamese = client.post(LOGIN, json=WRONG, headers={"Accept-Language": "vi"}).get_json()
    assert vietnamese["detail"] == "Đăng nhập sai quá nhiều lần; hãy thử lại sau 15 phút."
    frozen_clock.advance(seconds=899)
    last = client.post(LOGIN, json=WRONG, headers={"Accept-Language": "vi"})
    assert last.headers["Retry-After"] == "1" and last.get_json()["detail"].endswith("sau 1 giây.")
    frozen_clock.advance(seconds=1)
    assert client.post(LOGIN, json={"email": "agent@shop.vn", "password": PASSWORD}).status_code == 200


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A Redis server of this test module's own, on a free loopback port."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", str(tmp_path_factory.mktemp("redis"))], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            server.poll()
            threading.Event().wait(0.05)  # the server's start-up, not a backoff
    yield url
    client.close()
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server):
    """The module's Redis, emptied for each test (each database's run starts with no counters)."""
    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    client.close()
    return redis_server


def test_counters_in_redis_are_atomic_and_shared(app, second_app, redis_url, frozen_clock):
    """`RATELIMIT_STORAGE_URI=redis://…`: the counters leave the database, still atomic and shared."""
    for instance in (app, second_app):
        instance.config["RATELIMIT_STORAGE_URI"] = redis_url
    make_staff(app, "agent")
    assert _at_once([_attempt(app), _attempt(second_app)] * 20) == {401: 10, 429: 30}
    blocked = app.test_client().post(LOGIN, json=WRONG, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert 0 < int(blocked.headers["Retry-After"]) <= 900  # Redis keeps its own (real) time
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 0


@pytest.fixture
def proxied_app(database_url, zalo):
    """Behind one reverse proxy (TRUSTED_PROXY_COUNT=1), as docs/staff.md describes."""
    yield from _seeded_app({**_base_config(database_url, zalo.url), "TRUSTED_PROXY_COUNT": 1})


PROXY = "10.0.0.2"


def _use_up_the_limit_as(app, client_address: str) -> None:
    app.config["LOGIN_RATE_LIMIT"] = "3 per 15 minutes"  # fewer password checks: the same rule, faster
    for n in range(3):
        body = {"email": f"staff{n}@shop.vn", "password": "x"}
        assert _attempt(app, body, PROXY, {"X-Forwarded-For": client_address})() == 401


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(proxied_app, frozen_clock):
    _use_up_the_limit_as(proxied_app, "203.0.113.7")
    after = {"email": "late@shop.vn", "password": "x"}
    assert _attempt(proxied_app, after, PROXY, {"X-Forwarded-For": "203.0.113.7"})() == 429
    assert _attempt(proxied_app, after, PROXY, {"X-Forwarded-For": "203.0.113.8"})() == 401
    # a client cannot pose as another: the proxy appends the real address, and only that one is trusted
    spoofed = {"X-Forwarded-For": "203.0.113.9, 203.0.113.7"}
    assert _attempt(proxied_app, after, PROXY, spoofed)() == 429


def test_without_a_trusted_proxy_forwarded_for_is_ignored(app, frozen_clock):
    _use_up_the_limit_as(app, "203.0.113.7")
    after = {"email": "late@shop.vn", "password": "x"}
    assert _attempt(app, after, PROXY, {"X-Forwarded-For": "203.0.113.8"})() == 429


def test_the_worker_forgets_ended_windows(app, client, frozen_clock):
    assert client.post(LOGIN, json=WRONG).status_code == 401

    def rows():
        with app.app_context():
            return db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle))

    with app.app_context():
        purge_login_counters(app)
    assert rows() == 2  # the address and the account, still in their window
    frozen_clock.advance(minutes=15)
    with app.app_context():
        purge_login_counters(app)
    assert rows() == 0
