"""Fuzz every documented operation from the OpenAPI spec: bad input never yields a 5xx.

Schemathesis generates the cases from our own `/openapi.json`; Hypothesis
drives them through the WSGI app on each database, as every kind of caller:
anonymous, a Mini App user, staff as agent, viewer, admin and owner, and an
integrator's API key holding every scope (staff and integrator routes), with
valid data (positive) and with data the spec forbids (negative). Each role
fuzzes the operations it can reach (anonymous: all of them, since bodies and
query strings are read before some logins are checked), and the test checks
that the owner got past authentication on every staff route and the Mini App
user on every Mini App route.

Deterministic: Hypothesis is derandomized (its seed comes from the test, not
the clock) and keeps no example database, so a run finds what every run
finds. The budget (`EXAMPLES`) keeps both databases under a few minutes, and
failures are reported as generated, not shrunk (shrinking each one took minutes).
"""
import re

import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

from miniapp_api.extensions import db
from miniapp_api.models.staff import ADMIN, AGENT, OWNER, SCOPES, VIEWER, StaffUser
from miniapp_api.services.staff import access
from tests.helpers import open_session, zalo_user
from tests.staff_helpers import PASSWORD, make_staff

STAFF_PREFIXES = ("/api/v1/admin", "/api/v1/events", "/api/v1/customers", "/api/v1/orders")  # staff, integrators
MINIAPP_PREFIX = "/api/v1/miniapp"
STAFF_ROLES = (OWNER, ADMIN, AGENT, VIEWER)
INTEGRATOR = "integrator"
# Examples per operation, role and generation mode (positive, negative).
EXAMPLES = {"anonymous": 5, "miniapp": 10, OWNER: 10, ADMIN: 3, AGENT: 3, VIEWER: 3, INTEGRATOR: 3}


def _staff_headers(app, role: str) -> dict:
    """A fresh session for each operation: earlier fuzzing may have logged out, changed the password,
    changed the role or deactivated the account. Made by the service, not the rate-limited login route."""
    with app.app_context():
        staff = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == f"{role}@shop.vn"))
        staff.role, staff.active = role, True
        access.set_password(staff, PASSWORD)
        db.session.commit()
        result = access.login(db.session, staff.email, PASSWORD, ip=None, user_agent="fuzz")
        db.session.commit()
        return {"Authorization": f"Bearer {result.token}"}


def _integrator_headers(app) -> dict:
    """A fresh API key with every scope for each operation: earlier fuzzing may have revoked the last one."""
    with app.app_context():
        _, secret = access.create_api_key(db.session, "fuzz", list(SCOPES), None)
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _fuzz(operation, headers: dict, examples: int, failures: list) -> set[int]:
    """Run `examples` positive and negative cases with `headers`; returns the statuses seen, records 5xx."""
    statuses: set[int] = set()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck))
        def exercise(case):
            response = case.call(headers=headers)
            statuses.add(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} ({mode}): {response.status_code} "
                                f"{response.text[:200]}")
            assert response.status_code < 500

        try:
            exercise()
        except AssertionError:
            pass
        except Unsatisfiable:  # nothing to get wrong (no parameters, no body): no negative cases
            assert mode == GenerationMode.NEGATIVE
    return statuses


def _roles_for(path: str) -> list[str]:
    if path.startswith(STAFF_PREFIXES):
        return ["anonymous", *STAFF_ROLES, INTEGRATOR]
    if path.startswith(MINIAPP_PREFIX):
        return ["anonymous", "miniapp"]
    return ["anonymous"]


def _staff_operations(app) -> set[tuple[str, str]]:
    """(METHOD, /openapi/{path}) of every staff route registered in the app but the public login."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(STAFF_PREFIXES) and not app.view_functions[rule.endpoint].__access__.get("public"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            found |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_no_server_errors(app, zalo):
    session = open_session(app.test_client(), zalo, zalo_user(zalo))
    fixed = {"anonymous": {}, "miniapp": {"Authorization": f"Bearer {session['session_token']}"}}
    for role in STAFF_ROLES:
        make_staff(app, role)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    failures, reached = [], {role: set() for role in EXAMPLES}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6

    for operation in operations:
        key = (operation.method.upper(), operation.path)
        for role in _roles_for(operation.path):
            headers = (fixed[role] if role in fixed else _integrator_headers(app) if role == INTEGRATOR
                       else _staff_headers(app, role))
            if _fuzz(operation, headers, EXAMPLES[role], failures) - {401, 403}:
                reached[role].add(key)
    assert failures == []
    staff = _staff_operations(app)
    documented = {(operation.method.upper(), operation.path) for operation in operations}
    miniapp = {key for key in documented if key[1].startswith(MINIAPP_PREFIX)}
    assert staff - documented == set(), "staff routes missing from the OpenAPI document"
    assert staff - reached[OWNER] == set(), "staff routes the owner never got past authentication on"
    assert miniapp - reached["miniapp"] == set(), "Mini App routes the Mini App user never got past authentication on"


def test_errors_are_documented_as_problem_json(client):
    """What every error answers is what the spec says errors answer."""
    spec = client.get("/openapi.json").get_json()
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for name, response in spec["components"]["responses"].items():
        assert response["content"] == {"application/problem+json": problem}, name
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items() if isinstance(operation, dict) else ():
                if status == "default" or status >= "400":
                    assert "$ref" in response or response["content"] == {"application/problem+json": problem}, \
                        (method, path, status)


def test_ids_beyond_what_the_database_holds_are_client_errors(app, client):
    """What the fuzzer found: a 30-digit id reached SQLite and overflowed into a 500."""
    make_staff(app, OWNER)
    headers = _staff_headers(app, OWNER)
    huge = 2**63
    assert client.delete(f"/api/v1/admin/api-keys/{huge}", headers=headers).status_code == 404
    assert client.patch(f"/api/v1/admin/staff/{huge}", json={"name": "x"}, headers=headers).status_code == 404
    assert client.get(f"/api/v1/admin/audit?before_id={huge}", headers=headers).status_code == 422
