"""Fuzz every documented operation from the OpenAPI spec: bad input never yields a 5xx.

Schemathesis generates the cases from our own `/openapi.json`; Hypothesis
drives them through the WSGI app twice: with a valid Mini App session, and
as a shop owner, so both the Mini App and the staff routes are explored past
the 401. The owner pass covers whatever staff routes exist when it runs, and
checks that each one was reached past authentication. Runs once, on SQLite.
"""
import re

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from miniapp_api.extensions import db
from miniapp_api.models.staff import OWNER, StaffUser
from miniapp_api.services import access
from tests.helpers import open_session, zalo_user
from tests.staff_helpers import PASSWORD, make_staff

EXAMPLES_PER_OPERATION = 40
STAFF_PREFIX = "/api/v1/admin"


def _owner_headers(app, email: str) -> dict:
    """A fresh owner session for each operation: earlier fuzzing may have logged out, changed the password,
    demoted or deactivated the account. Made by the service, not the rate-limited login route."""
    with app.app_context():
        owner = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email))
        owner.role, owner.active = OWNER, True
        access.set_password(owner, PASSWORD)
        db.session.commit()
        result = access.login(db.session, email, PASSWORD, ip=None, user_agent="fuzz")
        db.session.commit()
        return {"Authorization": f"Bearer {result.token}"}


def _fuzz(operation, headers: dict, failures: list) -> set[int]:
    """Run the operation's generated cases with `headers`; returns the statuses seen, records 5xx in `failures`."""
    statuses: set[int] = set()

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def exercise(case):
        response = case.call(headers=headers)
        statuses.add(response.status_code)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}")
        assert response.status_code < 500

    try:
        exercise()
    except AssertionError:
        pass
    return statuses


def _staff_operations(app) -> set[tuple[str, str]]:
    """(METHOD, /openapi/{path}) of every staff route registered in the app but the public login."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(STAFF_PREFIX) and not app.view_functions[rule.endpoint].__access__.get("public"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            found |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_no_server_errors(app, zalo, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("fuzzing runs once, on SQLite")
    session = open_session(app.test_client(), zalo, zalo_user(zalo))
    miniapp = {"Authorization": f"Bearer {session['session_token']}"}
    owner_email = "owner@shop.vn"
    make_staff(app, OWNER, owner_email)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    failures, reached = [], set()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6

    for operation in operations:
        _fuzz(operation, miniapp, failures)
        statuses = _fuzz(operation, _owner_headers(app, owner_email), failures)
        if statuses - {401, 403}:
            reached.add((operation.method.upper(), operation.path))
    assert failures == []
    staff = _staff_operations(app)
    documented = {(operation.method.upper(), operation.path) for operation in operations}
    assert staff - documented == set(), "staff routes missing from the OpenAPI document"
    assert staff - reached == set(), "staff routes the owner never got past authentication on"


def test_ids_beyond_what_the_database_holds_are_client_errors(app, client):
    """What the fuzzer found: a 30-digit id reached SQLite and overflowed into a 500."""
    make_staff(app, OWNER)
    headers = _owner_headers(app, "owner@shop.vn")
    huge = 2**63
    assert client.delete(f"/api/v1/admin/api-keys/{huge}", headers=headers).status_code == 404
    assert client.patch(f"/api/v1/admin/staff/{huge}", json={"name": "x"}, headers=headers).status_code == 404
    assert client.get(f"/api/v1/admin/audit?before_id={huge}", headers=headers).status_code == 422
