"""Tags (mirrored to the OA) and segments (saved filters with a live count) for staff and integrators."""
from __future__ import annotations

import sqlalchemy as sa
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError

from ... import clock
from ...errors import Problem
from ...extensions import db
from ...models import Customer, CustomerTag, Segment, Tag
from ...models.staff import ADMIN, OWNER, VIEWER
from ...schemas.admin_customers import AdminCustomerSchema, CustomerFilter, SegmentDetail, SegmentSchema, TagSchema
from ...services import audit
from ...services.customers import segments
from ...services.customers.staff_edits import CustomerError, admin_view, get_tag, set_tag
from ...services.customers.segments import compile_filter
from ...services.transactions import run_in_transaction
from .access import STAFF_SECURITY, current, require
from .customers import READERS, WRITERS, customer_page
from .customer_access import StoredFilterInvalid, find_segment, load_customer, segment_conditions, segment_filter

blp = Blueprint("admin_segments", __name__, url_prefix="/api/v1/admin",
                description="Customer tags (mirrored to the OA) and segments")
SEGMENT_PAGE = 20


def _created(work, what: str):
    """Run a create; a duplicate name is a 409, not a retry."""
    try:
        return run_in_transaction(db.session, work, attempts=1)
    except IntegrityError as exc:
        raise Problem(409, f"A {what} with that name exists.", title="Conflict") from exc


@blp.route("/tags")
@require(roles=READERS, scope="customers:read")
@blp.response(200, TagSchema(many=True))
@blp.doc(security=STAFF_SECURITY)
def list_tags():
    """Every tag with how many live customers carry it."""
    live = sa.and_(Customer.id == CustomerTag.customer_id, Customer.merged_into_id.is_(None),
                   Customer.erased_at.is_(None))
    counts = (sa.select(CustomerTag.tag_id, sa.func.count().label("n")).join(Customer, live)
              .group_by(CustomerTag.tag_id).subquery())
    rows = db.session.execute(sa.select(Tag, sa.func.coalesce(counts.c.n, 0))
                              .outerjoin(counts, counts.c.tag_id == Tag.id).order_by(Tag.name))
    return [{"id": t.id, "name": t.name, "created_at": t.created_at, "customers": n} for t, n in rows]


@blp.route("/tags", methods=["POST"])
@require(roles=(OWNER, ADMIN), scope="customers:write")
@blp.arguments(TagSchema)
@blp.response(201, TagSchema)
@blp.alt_response(409, description="The name is taken")
@blp.doc(security=STAFF_SECURITY)
def create_tag(body):
    """Create a tag; it reaches the OA the first time it is put on a customer with a Zalo OA id."""
    def work():
        tag = Tag(name=body["name"].strip(), created_at=clock.now())
        db.session.add(tag)
        db.session.flush()
        audit.record(db.session, "tag.create", "tag", tag.id, name=tag.name)
        return tag

    tag = _created(work, "tag")
    return {"id": tag.id, "name": tag.name, "created_at": tag.created_at, "customers": 0}


def _tag_customer(ref: str, name: str, present: bool):
    def work():
        customer = load_customer(ref, live=True)
        try:
            changed = set_tag(db.session, customer, get_tag(db.session, name), present)
        except CustomerError as exc:
            raise Problem(exc.status, str(exc)) from exc
        if changed:
            audit.record(db.session, "customer.tag" if present else "customer.untag", "customer", ref, tag=name)
        return customer

    return admin_view(db.session, run_in_transaction(db.session, work))


@blp.route("/customers/<ref>/tags/<name>", methods=["POST"])
@require(roles=WRITERS, scope="customers:write")
@blp.response(200, AdminCustomerSchema)
@blp.alt_response(404, description="No such customer or tag")
@blp.doc(security=STAFF_SECURITY)
def add_tag(ref, name):
    """Tag the customer (idempotent); mirrored to the OA's tags through the outbound queue."""
    return _tag_customer(ref, name, True)


@blp.route("/customers/<ref>/tags/<name>", methods=["DELETE"])
@require(roles=WRITERS, scope="customers:write")
@blp.response(200, AdminCustomerSchema)
@blp.alt_response(404, description="No such customer or tag")
@blp.doc(security=STAFF_SECURITY)
def remove_tag(ref, name):
    """Untag the customer (idempotent); mirrored to the OA's tags through the outbound queue."""
    return _tag_customer(ref, name, False)


def _segment_view(segment: Segment) -> dict:
    """The segment with its count; a filter saved before today's input rules shows its valid part, no count."""
    view = {"id": segment.id, "name": segment.name, "created_at": segment.created_at}
    try:
        view["filter"] = segment_filter(segment)
    except StoredFilterInvalid as exc:
        return {**view, "filter": exc.valid_part, "count": None}
    return {**view, "count": segments.count(db.session, compile_filter(view["filter"]))}


@blp.route("/segments")
@require(roles=(OWNER, ADMIN, VIEWER))
@blp.response(200, SegmentSchema(many=True))
@blp.doc(security=STAFF_SECURITY)
def list_segments():
    """Every segment with its member count right now."""
    return [_segment_view(s) for s in db.session.scalars(sa.select(Segment).order_by(Segment.name))]


@blp.route("/segments", methods=["POST"])
@require(roles=(OWNER, ADMIN))
@blp.arguments(SegmentSchema)
@blp.response(201, SegmentSchema)
@blp.alt_response(409, description="The name is taken")
@blp.doc(security=STAFF_SECURITY)
def create_segment(body):
    """Save a filter (docs/customers.md) under a name."""
    def work():
        segment = Segment(name=body["name"].strip(), filter=CustomerFilter().dump(body["filter"]),
                          created_by_id=current().id, created_at=clock.now())
        db.session.add(segment)
        db.session.flush()
        audit.record(db.session, "segment.create", "segment", segment.id, name=segment.name)
        return _segment_view(segment)  # counted before the commit: a filter that fails leaves no row behind

    return _created(work, "segment")


@blp.route("/segments/<int:segment_id>")
@require(roles=(OWNER, ADMIN, VIEWER))
@blp.response(200, SegmentDetail)
@blp.alt_response(404, description="No such segment")
@blp.doc(security=STAFF_SECURITY)
def show_segment(segment_id):
    """The segment, its live count and first page of members (more: `GET /customers?segment=<id>`)."""
    segment = find_segment(segment_id)
    view = _segment_view(segment)
    view["customers"] = customer_page(segment_conditions(segment), SEGMENT_PAGE)
    return view


@blp.route("/segments/<int:segment_id>", methods=["DELETE"])
@require(roles=(OWNER, ADMIN))
@blp.response(204)
@blp.alt_response(404, description="No such segment")
@blp.doc(security=STAFF_SECURITY)
def delete_segment(segment_id):
    """Forget a saved filter (customers are untouched)."""
    def work():
        segment = find_segment(segment_id)
        audit.record(db.session, "segment.delete", "segment", segment.id, name=segment.name)
        db.session.delete(segment)

    run_in_transaction(db.session, work)
