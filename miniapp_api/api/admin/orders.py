"""Orders that wait unlinked for staff: no ref, no CRM customer id and no verified phone tied them to anyone."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from ...clock import iso_utc
from ...errors import Problem
from ...extensions import db
from ...models import Connector, Customer, Order
from ...models.staff import ADMIN, OWNER, VIEWER
from ...schemas.base import Schema
from ...services import audit
from ...services.orders.records import link_order, unlinked_orders
from ...services.transactions import run_in_transaction
from .access import STAFF_SECURITY, require
from .customer_access import MAX_ID, load_customer

blp = Blueprint("admin_orders", __name__, url_prefix="/api/v1/admin",
                description="CRM orders waiting for staff to say whose they are")


class UnlinkedQuery(Schema):
    cursor = fields.String(validate=validate.Regexp(r"^[0-9]{1,9}$"),
                           metadata={"description": "`next_cursor` of the previous page"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class OrderSchema(Schema):
    id = fields.Integer()
    connector = fields.String()
    external_id = fields.String()
    status = fields.String()
    total_vnd = fields.Integer()
    phone = fields.String(allow_none=True, metadata={"description": "As the CRM sent it"})
    customer_ref = fields.String(allow_none=True)
    updated_at = fields.String(metadata={"description": "The CRM's last change (UTC)"})


class OrderPage(Schema):
    items = fields.List(fields.Nested(OrderSchema))
    next_cursor = fields.String(allow_none=True)


class LinkRequest(Schema):
    customer_ref = fields.String(validate=validate.Length(min=1, max=40), required=True,
                                 metadata={"description": "The profile the order belongs to"})


def _view(order: Order) -> dict:
    customer = db.session.get(Customer, order.customer_id) if order.customer_id else None
    return {"id": order.id, "connector": db.session.get(Connector, order.connector_id).name,
            "external_id": order.external_id,
            "status": order.status, "total_vnd": order.total_vnd, "phone": order.phone,
            "customer_ref": customer.ref if customer else None, "updated_at": iso_utc(order.remote_updated_at)}


@blp.route("/orders/unlinked")
@require(roles=(OWNER, ADMIN, VIEWER))
@blp.arguments(UnlinkedQuery, location="query")
@blp.response(200, OrderPage)
@blp.doc(security=STAFF_SECURITY)
def list_unlinked_orders(query):
    """Orders linked to no profile, newest first, paged with `cursor`."""
    rows, next_id = unlinked_orders(db.session, query["limit"], int(query["cursor"]) if "cursor" in query else None)
    return {"items": [_view(o) for o in rows], "next_cursor": str(next_id) if next_id is not None else None}


@blp.route("/orders/<int:order_id>/link", methods=["POST"])
@require(roles=(OWNER, ADMIN))
@blp.arguments(LinkRequest)
@blp.response(200, OrderSchema)
@blp.alt_response(404, description="No such order or customer")
@blp.alt_response(409, description="The order is linked already, or the customer was merged or erased")
@blp.doc(security=STAFF_SECURITY)
def link(body, order_id):
    """Say whose order this is (audited); nothing is sent for statuses already past."""
    def work():
        order = db.session.get(Order, order_id) if 0 < order_id <= MAX_ID else None
        if order is None:
            raise Problem(404, f"No order {order_id}.", title="Not Found")
        if order.customer_id is not None:
            raise Problem(409, f"Order {order_id} is linked already.", title="Conflict")
        customer = load_customer(body["customer_ref"], live=True)
        link_order(db.session, order, customer)
        audit.record(db.session, "order.link", "order", order.id, customer_ref=customer.ref)
        return order.id

    return _view(db.session.get(Order, run_in_transaction(db.session, work)))
