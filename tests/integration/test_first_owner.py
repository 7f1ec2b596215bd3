"""First run: while no owner exists, a one-time setup code (printed by `flask staff setup-code`, which
`make run` calls) lets the console create the owner; wrong codes count as failed logins; the code works once,
expires, and is never needed again. Owners reset a colleague's password, which ends that person's sessions."""
from __future__ import annotations

import logging
import threading

import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import SetupCode, StaffUser
from miniapp_api.services.staff import setup
from tests.inbox_helpers import call
from tests.staff_helpers import PASSWORD, login, make_staff, staff_headers

SETUP = "/api/v1/admin/setup"
OWNER = {"email": "chu@shop.vn", "name": "Chị Hoa", "password": "mot-mat-khau-dai"}


def _code(runner) -> str:
    result = runner.invoke(args=["staff", "setup-code"])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_the_code_creates_the_owner_once_and_signs_them_in(app, client, runner, caplog):
    caplog.set_level(logging.DEBUG)
    assert call(client, "GET", SETUP, {}) == (200, {"needed": True})
    code = _code(runner)
    assert len(code) == 9 and code[4] == "-"
    status, body = call(client, "POST", SETUP, {}, json={**OWNER, "code": code.lower().replace("-", " ")})
    assert status == 201, body
    assert body["staff"]["role"] == "owner" and body["csrf_token"]
    me = client.get("/api/v1/admin/auth/me")  # the cookie it set signs the owner in
    assert me.status_code == 200 and me.get_json()["email"] == "chu@shop.vn"
    assert call(client, "GET", SETUP, {}) == (200, {"needed": False})
    status, problem = call(client, "POST", SETUP, {}, json={**OWNER, "email": "khac@shop.vn", "code": code})
    assert status == 409
    assert runner.invoke(args=["staff", "setup-code"]).stdout == ""  # nothing to set up any more
    logged = caplog.text + runner.invoke(args=["staff", "list"]).output
    assert code not in caplog.text and OWNER["password"] not in logged


def test_wrong_codes_are_refused_and_counted_as_failed_logins(app, client, runner):
    app.config["LOGIN_RATE_LIMIT"] = "3 per 15 minutes"
    code = _code(runner)
    status, problem = call(client, "POST", SETUP, {"Accept-Language": "vi"}, json={**OWNER, "code": "2222-2222"})
    assert status == 403 and "Mã thiết lập không đúng" in problem["detail"]
    for wrong in ("3333-3333", "4444-4444"):
        assert call(client, "POST", SETUP, {}, json={**OWNER, "code": wrong})[0] == 403
    status, problem = call(client, "POST", SETUP, {}, json={**OWNER, "code": code})
    assert status == 429  # three wrong codes from this address: even the right one waits
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == 0


def test_an_expired_code_is_refused(app, client, runner, frozen_clock):
    code = _code(runner)
    frozen_clock.advance(hours=25)
    assert call(client, "POST", SETUP, {}, json={**OWNER, "code": code})[0] == 403
    frozen_clock.advance(hours=-25)


def test_bad_fields_are_named_and_use_up_nothing(app, client, runner):
    code = _code(runner)
    status, problem = call(client, "POST", SETUP, {}, json={**OWNER, "password": "ngan", "code": code})
    assert status == 422 and list(problem["errors"]) == ["password"]
    status, problem = call(client, "POST", SETUP, {}, json={**OWNER, "email": "khong-phai-email", "code": code})
    assert status == 422 and list(problem["errors"]) == ["email"]
    assert call(client, "POST", SETUP, {}, json={**OWNER, "code": code})[0] == 201


def test_two_people_racing_with_the_code_make_one_owner(app, runner, database_url):
    code = _code(runner)
    answers, start = [], threading.Barrier(2)

    def attempt(n):
        client = app.test_client()
        start.wait()
        answers.append(call(client, "POST", SETUP, {}, json={**OWNER, "email": f"chu{n}@shop.vn", "code": code})[0])

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(answers) in ([201, 403], [201, 409])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SetupCode)) == 0


def test_a_new_code_replaces_the_last(app, runner, client):
    first, second = _code(runner), _code(runner)
    assert first != second
    assert call(client, "POST", SETUP, {}, json={**OWNER, "code": first})[0] == 403
    assert call(client, "POST", SETUP, {}, json={**OWNER, "code": second})[0] == 201


def test_an_owner_resetting_a_password_ends_that_persons_sessions(app, client):
    owner = staff_headers(app, client, "owner")
    agent_id = make_staff(app, "agent", "lan@shop.vn")
    agent = {"Authorization": f"Bearer {login(client, 'lan@shop.vn')['token']}"}
    assert call(client, "GET", "/api/v1/admin/auth/me", agent)[0] == 200
    status, _ = call(client, "PATCH", f"/api/v1/admin/staff/{agent_id}", owner, json={"password": "mat-khau-moi-123"})
    assert status == 200
    assert call(client, "GET", "/api/v1/admin/auth/me", agent)[0] == 401
    assert call(client, "GET", "/api/v1/admin/auth/me", owner)[0] == 200  # the owner's own session goes on
    for password, expected in ((PASSWORD, 401), ("mat-khau-moi-123", 200)):
        with client.post("/api/v1/admin/auth/login", json={"email": "lan@shop.vn", "password": password}) as answer:
            assert answer.status_code == expected


def test_issue_code_is_none_once_an_owner_exists(app):
    make_staff(app, "owner")
    with app.app_context():
        assert setup.issue_code(db.session) is None
