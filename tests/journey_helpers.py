"""Journeys in tests: a customer who fills the Mini App form, one tick of the worker's `journey-steps` job."""
from __future__ import annotations

import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Customer, JourneyEnrollment
from miniapp_api.services.journeys.running import run_due
from tests.customer_helpers import SUBMIT
from tests.helpers import bearer, contact_values, open_session
from tests.inbox_helpers import call
from tests.oa_helpers import customer_says, run_worker

JOURNEYS = "/api/v1/admin/journeys"


def journey_tick(app) -> int:
    """What the worker's `journey-steps` job does in one tick."""
    with app.app_context():
        try:
            return run_due(db.session, app.config)
        finally:
            db.session.remove()


def form_filler(app, client, zalo, name: str, phone: str, *, writes: bool = True) -> tuple:
    """A customer who shared their phone through Zalo, wrote to the OA first (if `writes`), then filled the form
    with marketing consent; returns (their Zalo user, their Mini App session, their ref)."""
    user = zalo.create_user(name, phone=phone)
    session = open_session(client, zalo, user)
    token, code = zalo.issue_access_token(user.app_user_id), zalo.issue_phone_code(user.app_user_id)
    assert client.post("/api/v1/miniapp/phone", json={"access_token": token, "code": code},
                       headers=bearer(session)).status_code == 200
    if writes:
        customer_says(client, zalo, user, "text", text="Shop ơi cho hỏi")
        run_worker(app)
    submit(client, session, name, phone)
    return user, session, session["customer"]["ref"]


def submit(client, session, name: str, phone: str) -> None:
    """The contact form, as the customer types it (their phone in the national form: 0901 000 001)."""
    values = contact_values(full_name=name, phone="0" + phone.removeprefix("84"))
    response = client.post(SUBMIT, json={"values": values}, headers=bearer(session))
    assert response.status_code == 201, response.get_json()
    response.close()


def create(client, headers, **fields) -> int:
    status, journey = call(client, "POST", JOURNEYS, headers, json=fields)
    assert status == 201, journey
    return journey["id"]


def activate(client, headers, journey_id: int) -> None:
    status, body = call(client, "POST", f"{JOURNEYS}/{journey_id}/activate", headers)
    assert status == 200, body


def enrollments(app, journey_id: int) -> dict[str, tuple]:
    """Customer ref → (status, step, exit reason) of their enrollments in the journey."""
    with app.app_context():
        rows = db.session.execute(sa.select(Customer.ref, JourneyEnrollment.status, JourneyEnrollment.step,
                                            JourneyEnrollment.exit_reason)
                                  .join(Customer, Customer.id == JourneyEnrollment.customer_id)
                                  .where(JourneyEnrollment.journey_id == journey_id)
                                  .order_by(JourneyEnrollment.id)).all()
        found: dict[str, list] = {}
        for ref, *state in rows:
            found.setdefault(ref, []).append(tuple(state))
        return found
