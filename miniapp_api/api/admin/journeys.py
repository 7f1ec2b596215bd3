"""Journeys for owners and admins (viewers read them): create, edit, activate, pause, archive, who is inside and
what each step did; a customer's own journeys for everyone who may see the customer (docs/campaigns.md)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_smorest import Blueprint

from ...errors import Problem
from ...extensions import db
from ...models import Journey, JourneyEnrollment
from ...models.staff import ADMIN, OWNER, VIEWER
from ...schemas.journeys import (EnrollmentQuery, EnrollmentSchema, JourneyCreate, JourneyDetail, JourneyFields,
    JourneySchema)
from ...services import audit
from ...services.journeys import control
from ...services.journeys.definitions import JourneyError
from ...services.transactions import run_in_transaction
from .access import STAFF_SECURITY, current, require
from .customer_access import load_customer
from .customers import READERS as CUSTOMER_READERS

blp = Blueprint("admin_journeys", __name__, url_prefix="/api/v1/admin", description="Journeys")
READERS, MANAGERS = (OWNER, ADMIN, VIEWER), (OWNER, ADMIN)
REFUSED_VI = {
    "bad_state": "Hành trình đang ở trạng thái không làm được việc này.",
    "customers_inside": "Đang có khách trong hành trình: chưa sửa được điều kiện bắt đầu và các bước.",
    "unknown_tag": "Không có nhãn này; hãy tạo nhãn trước.",
    "unknown_form": "Không có biểu mẫu này.",
    "unknown_staff": "Không có nhân viên này (hoặc đã bị khoá).",
}


def _journey(journey_id: int) -> Journey:
    journey = db.session.get(Journey, journey_id)
    if journey is None:
        raise Problem(404, f"No journey {journey_id}.", title="Not Found",
                      detail_vi=f"Không có hành trình {journey_id}.")
    return journey


def _refused(exc: JourneyError) -> Problem:
    """A name the shop does not have is a 422 on its field; a move the journey's state refuses is a 409."""
    if exc.field:
        return Problem(422, str(exc), title="Unprocessable Entity", detail_vi=REFUSED_VI.get(exc.code),
                       errors={exc.field: [str(exc)]}, extra={"code": exc.code})
    return Problem(409, str(exc), title="Conflict", detail_vi=REFUSED_VI.get(exc.code), extra={"code": exc.code})


def _changed(journey_id: int | None, action: str, work) -> Journey:
    """Run `work(journey)` in one audited transaction (`work(None)` creates one)."""
    def unit():
        journey = work(_journey(journey_id) if journey_id is not None else None)
        db.session.flush()
        audit.record(db.session, f"journey.{action}", "journey", journey.id, status=journey.status)
        return journey

    try:
        return run_in_transaction(db.session, unit, attempts=1)
    except JourneyError as exc:
        raise _refused(exc) from exc


@blp.route("/journeys")
@require(roles=READERS)
@blp.response(200, JourneySchema(many=True))
@blp.doc(security=STAFF_SECURITY)
def list_journeys():
    """Every journey, newest first."""
    return db.session.scalars(sa.select(Journey).order_by(Journey.id.desc())).all()


@blp.route("/journeys", methods=["POST"])
@require(roles=MANAGERS)
@blp.arguments(JourneyCreate)
@blp.response(201, JourneySchema)
@blp.alt_response(422, description="A tag, form or staff member it names does not exist")
@blp.doc(security=STAFF_SECURITY)
def create_journey(body):
    """A draft journey; activate it to let its trigger enter customers."""
    creator = current().id if current().kind == "staff" else None
    return _changed(None, "create", lambda _: control.create(db.session, body, creator))


@blp.route("/journeys/<int:journey_id>")
@require(roles=READERS)
@blp.response(200, JourneyDetail)
@blp.doc(security=STAFF_SECURITY)
def get_journey(journey_id):
    """The journey with its counts: who entered, who is inside at which step, how each step's runs ended."""
    return control.detail(db.session, _journey(journey_id))


@blp.route("/journeys/<int:journey_id>", methods=["PATCH"])
@require(roles=MANAGERS)
@blp.arguments(JourneyFields(partial=True))
@blp.response(200, JourneySchema)
@blp.alt_response(409, description="Customers are inside: the trigger and steps stay until they leave")
@blp.doc(security=STAFF_SECURITY)
def update_journey(changes, journey_id):
    """Rename it, change its exits; its trigger and steps while nobody is inside."""
    return _changed(journey_id, "update", lambda journey: control.update(db.session, journey, changes) or journey)


def _move_route(action: str, summary: str) -> None:
    def view(journey_id):
        return _changed(journey_id, action, lambda journey: control.move(db.session, journey, action) or journey)

    view.__name__, view.__doc__ = f"{action}_journey", summary
    documented = blp.doc(security=STAFF_SECURITY)(blp.alt_response(409, description="Not in a state for this")(
        blp.response(200, JourneySchema)(require(roles=MANAGERS)(view))))
    blp.route(f"/journeys/<int:journey_id>/{action}", methods=["POST"])(documented)


_move_route("activate", "Let the trigger enter customers, and run the steps of those inside.")
_move_route("pause", "Nobody enters, nobody moves on; resume with activate.")
_move_route("archive", "Finished with: nobody enters, those inside leave.")


@blp.route("/journeys/<int:journey_id>/enrollments")
@require(roles=READERS)
@blp.arguments(EnrollmentQuery, location="query")
@blp.response(200, EnrollmentSchema(many=True))
@blp.doc(security=STAFF_SECURITY)
def list_enrollments(query, journey_id):
    """Who entered (newest first), where they are, and every step they ran; page with `after`."""
    conditions = [JourneyEnrollment.journey_id == _journey(journey_id).id]
    if query.get("status"):
        conditions.append(JourneyEnrollment.status == query["status"])
    return control.enrollments(db.session, conditions, query["limit"], query.get("after"))


@blp.route("/customers/<ref>/journeys")
@require(roles=CUSTOMER_READERS, scope="customers:read")
@blp.response(200, EnrollmentSchema(many=True))
@blp.alt_response(404, description="No such customer")
@blp.doc(security=STAFF_SECURITY)
def customer_journeys(ref):
    """The customer's journeys, newest first, each with the steps it ran: their automatic follow-ups' timeline."""
    customer = load_customer(ref)
    return control.enrollments(db.session, [JourneyEnrollment.customer_id == customer.id], 100)
