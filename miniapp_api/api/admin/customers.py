"""Customers for staff and integrators: list, detail, edit, manual merge, pipeline, export and erasure."""
from __future__ import annotations

from flask_smorest import Blueprint

from ...errors import Problem, ValidationProblem
from ...extensions import db
from ...models.staff import ADMIN, AGENT, OWNER, VIEWER
from ...schemas.admin_customers import (AdminCustomerDetailSchema, AdminCustomerSchema, ConsentRecordSchema,
    CustomerListQuery, CustomerPage, CustomerUpdate, ErasureSchema, ExportSchema, MergeRequest, PipelineRequest, PipelineSchema)
from ...services import audit
from ...services.inbox import query as inbox_query
from ...services.customers import segments
from ...services.customers.consents import consent_history
from ...services.customers.detail import customer_detail
from ...services.customers.staff_edits import (CustomerError, admin_view, manual_merge, move_pipeline,
    pipeline_history, update_customer)
from ...services.customers.phones import InvalidPhone
from ...services.privacy.erasure import AlreadyErased, erase_customer
from ...services.privacy.export import export_customer
from ...services.customers.profiles import live
from ...services.transactions import run_in_transaction
from .access import STAFF_SECURITY, current, require
from .customer_access import (CUSTOMER_ERASED, find_segment, load_customer, merged_problem, segment_conditions,
    visibility)

blp = Blueprint("admin_customers", __name__, url_prefix="/api/v1/admin",
                description="Customers: list, edit, merge, pipeline, export and erasure")
READERS = (OWNER, ADMIN, AGENT, VIEWER)
WRITERS = (OWNER, ADMIN, AGENT)


def customer_page(conditions: list, limit: int, cursor: str | None = None) -> dict:
    """One page of customers matching `conditions`, as the API shows it."""
    rows, next_id = segments.page(db.session, conditions, limit=limit, before_id=int(cursor) if cursor else None)
    return {"items": [admin_view(db.session, c) for c in rows],
            "next_cursor": str(next_id) if next_id is not None else None}


def _staff_id() -> int | None:
    return current().id if current().kind == "staff" else None


@blp.route("/customers")
@require(roles=READERS, scope="customers:read")
@blp.arguments(CustomerListQuery, location="query")
@blp.response(200, CustomerPage)
@blp.doc(security=STAFF_SECURITY)
def list_customers(query):
    """Live customers, newest first, filtered (docs/customers.md), paged with `cursor`."""
    conditions = segments.compile_filter(query) + visibility()
    if "segment" in query:
        conditions += segment_conditions(find_segment(query["segment"]))
    return customer_page(conditions, query["limit"], query.get("cursor"))


@blp.route("/customers/<ref>")
@require(roles=READERS, scope="customers:read")
@blp.response(200, AdminCustomerDetailSchema)
@blp.alt_response(404, description="No such customer")
@blp.doc(security=STAFF_SECURITY)
def get_customer(ref):
    """One profile with its form submissions (labelled), orders, conversation ids and per-connector sync state;
    a merged one shows `merged_into`, the ref to follow."""
    staff = current().staff
    return customer_detail(db.session, load_customer(ref), inbox_query.visible_to(staff))


@blp.route("/customers/<ref>", methods=["PATCH"])
@require(roles=WRITERS, scope="customers:write")
@blp.arguments(CustomerUpdate)
@blp.response(200, AdminCustomerSchema)
@blp.alt_response(404, description="No such customer")
@blp.alt_response(409, description="Merged or erased, or the phone belongs to another customer")
@blp.doc(security=STAFF_SECURITY)
def update(body, ref):
    """Edit name, email, province, address, attributes or phone; connectors get the new snapshot."""
    def work():
        customer = load_customer(ref, live=True)
        try:
            changed = update_customer(db.session, customer, body)
        except InvalidPhone as exc:
            raise ValidationProblem({"phone": [str(exc)]}) from exc
        except CustomerError as exc:
            raise Problem(exc.status, str(exc)) from exc
        if changed:
            audit.record(db.session, "customer.update", "customer", customer.ref, changed=changed)
        return customer

    return admin_view(db.session, run_in_transaction(db.session, work))


@blp.route("/customers/<ref>/merge", methods=["POST"])
@require(roles=(OWNER, ADMIN))
@blp.arguments(MergeRequest)
@blp.response(200, AdminCustomerSchema)
@blp.alt_response(404, description="No such customer")
@blp.alt_response(409, description="Conflicting verified identities, or a profile is merged or erased")
@blp.doc(security=STAFF_SECURITY)
def merge(body, ref):
    """Fold `other_ref` into this profile; its conversations, orders, tags and the rest follow."""
    def work():
        survivor, other = load_customer(ref), load_customer(body["other_ref"])
        try:
            manual_merge(db.session, survivor, other)
        except CustomerError as exc:
            raise Problem(exc.status, str(exc)) from exc
        audit.record(db.session, "customer.merge", "customer", survivor.ref, merged_ref=other.ref)
        return survivor

    return admin_view(db.session, run_in_transaction(db.session, work))


@blp.route("/customers/<ref>/pipeline")
@require(roles=READERS, scope="customers:read")
@blp.response(200, PipelineSchema)
@blp.alt_response(404, description="No such customer")
@blp.doc(security=STAFF_SECURITY)
def get_pipeline(ref):
    """Current pipeline status and every move, oldest first."""
    customer = load_customer(ref)
    return {"status": customer.pipeline_status, "history": pipeline_history(db.session, customer.id)}


@blp.route("/customers/<ref>/consents")
@require(roles=READERS, scope="customers:read")
@blp.response(200, ConsentRecordSchema(many=True))
@blp.alt_response(404, description="No such customer")
@blp.doc(security=STAFF_SECURITY)
def get_consents(ref):
    """Every consent given or withdrawn, newest first (the detail's `consents` is the one in force per purpose)."""
    return consent_history(db.session, load_customer(ref).id)


@blp.route("/customers/<ref>/pipeline", methods=["POST"])
@require(roles=WRITERS, scope="customers:write")
@blp.arguments(PipelineRequest)
@blp.response(200, PipelineSchema)
@blp.alt_response(404, description="No such customer")
@blp.doc(security=STAFF_SECURITY)
def set_pipeline(body, ref):
    """Move the customer along new → contacted → qualified → customer → vip / lost (any move allowed)."""
    def work():
        customer = load_customer(ref, live=True)
        before = customer.pipeline_status
        if move_pipeline(db.session, customer, body["status"], _staff_id()):
            audit.record(db.session, "customer.pipeline", "customer", customer.ref, **{"from": before,
                                                                                      "to": body["status"]})
        return customer

    customer = run_in_transaction(db.session, work)
    return {"status": customer.pipeline_status, "history": pipeline_history(db.session, customer.id)}


@blp.route("/customers/<ref>/export")
@require(roles=(OWNER, ADMIN))
@blp.response(200, ExportSchema)
@blp.alt_response(404, description="No such customer")
@blp.doc(security=STAFF_SECURITY)
def export(ref):
    """Everything held about the customer, as JSON (personal data access right); the export is audited."""
    def work():
        customer = live(load_customer(ref))  # a tombstone's data now lives with its survivor
        document = export_customer(db.session, customer)
        audit.record(db.session, "customer.export", "customer", customer.ref)
        return document

    return run_in_transaction(db.session, work)


@blp.route("/customers/<ref>/erase", methods=["POST"])
@require(roles=(OWNER,))
@blp.response(200, ErasureSchema)
@blp.alt_response(404, description="No such customer")
@blp.alt_response(409, description="Already erased, or a merged tombstone (erase the survivor)")
@blp.doc(security=STAFF_SECURITY)
def erase(ref):
    """Erase the customer's personal data (and their merged tombstones'); connectors get `customer.erased`."""
    def work():
        customer = load_customer(ref)
        if customer.merged_into_id is not None:
            raise merged_problem(customer, "erase that profile")
        try:
            refs = erase_customer(db.session, customer)
        except AlreadyErased as exc:
            raise Problem(409, f"{ref} was erased already.", kind=CUSTOMER_ERASED) from exc
        audit.record(db.session, "customer.erase", "customer", ref, erased_refs=refs)
        return {"ref": ref, "erased_at": customer.erased_at, "erased_refs": refs}

    return run_in_transaction(db.session, work)
