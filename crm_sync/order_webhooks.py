"""Orders pushed to us, through two doors with the same handling.

`POST /webhooks/crm/<connector name>`: a CRM signs per Standard Webhooks; the
signature is checked (constant time, 5-minute timestamp tolerance) with the
secret stored in the connector's credentials before anything is parsed.
`POST /api/v1/orders/<connector name>`: an integrator's API key with
`orders:write` (or an owner or admin) pushes on the connector's behalf.
Either way the body is parsed in the connector's order shape and the orders
are upserts keyed by (connector, external id), so the same push twice changes
nothing the second time.
"""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app, request
from flask_smorest import Blueprint

from crm_sync import standard_webhooks
from crm_sync.clients import client_for
from crm_sync.rotation import secrets_in_force

from miniapp_api import clock
from miniapp_api.errors import Problem, ValidationProblem
from miniapp_api.extensions import db
from miniapp_api.api.admin.access import STAFF_SECURITY, require
from miniapp_api.models import Connector
from miniapp_api.models.staff import ADMIN, OWNER
from miniapp_api.schemas.base import Schema
from miniapp_api.schemas.base import unstorable_text
from miniapp_api.services.orders.records import record_order
from miniapp_api.services.transactions import run_in_transaction
from miniapp_api.api import json_body

blp = Blueprint("crm_webhooks", __name__, url_prefix="/webhooks/crm",
                description="Orders pushed by CRMs and integrators (Standard Webhooks signatures)")
integrator_blp = Blueprint("integration_orders", __name__, url_prefix="/api/v1",
                           description="Orders pushed by integrators with an API key")


class OrderPush(Schema):
    orders = ma.fields.List(ma.fields.Dict(), required=True, validate=ma.validate.Length(min=1, max=500),
                            metadata={"description": "Orders in the connector's shape (docs/connectors/shopone.md)"})


class ReceivedSchema(Schema):
    received = ma.fields.Integer(metadata={"description": "How many orders the push carried"})


@blp.route("/<name>", methods=["POST"])
@blp.response(200, ReceivedSchema)
@blp.alt_response(401, description="Missing or wrong webhook signature")
@blp.alt_response(404, description="No enabled connector of that name takes pushes")
@blp.alt_response(422, description="The body is not an order push")
def receive_orders(name: str):
    """Upsert the orders in `{"orders": [...]}` (the order shape of docs/connectors/shopone.md)."""
    connector = db.session.scalar(sa.select(Connector).where(Connector.name == name, Connector.enabled.is_(True)))
    client = client_for(current_app, connector) if connector is not None else None
    secret_name = client.inbound_secret_credential if client is not None else None
    secrets = secrets_in_force(client.settings.credentials, secret_name, clock.now()) if secret_name else []
    if not secrets:
        raise Problem(404, f"No enabled connector named {name!r} takes order pushes.")
    body = request.get_data()
    try:
        standard_webhooks.verify(secrets, request.headers, body, clock.now().timestamp())
    except standard_webhooks.InvalidSignature as exc:
        raise Problem(401, f"Webhook signature rejected: {exc}.", title="Unauthorized") from exc
    try:
        payload = json_body.loads(body)
    except json_body.NotJson as exc:
        raise Problem(400, f"The body was refused: {exc}.", title="Bad Request") from exc
    return {"received": record_push(connector, client, payload, "webhook")}


@integrator_blp.route("/orders/<name>", methods=["POST"])
@require(roles=(OWNER, ADMIN), scope="orders:write")
@integrator_blp.arguments(OrderPush)
@integrator_blp.response(200, ReceivedSchema)
@integrator_blp.alt_response(404, description="No connector of that name")
@integrator_blp.alt_response(422, description="The body is not an order push")
@integrator_blp.doc(security=STAFF_SECURITY)
def push_orders(body, name: str):
    """Upsert the orders in `{"orders": [...]}` for connector `name` (its order shape; ShopOne's by default)."""
    connector = db.session.scalar(sa.select(Connector).where(Connector.name == name))
    if connector is None:
        raise Problem(404, f"No connector named {name!r}: add it first (POST /api/v1/admin/sync/connectors).")
    return {"received": record_push(connector, client_for(current_app, connector), body, "api")}


def record_push(connector: Connector, client, payload, source: str) -> int:
    """Parse a push in the connector's order shape and store every order of it in one transaction."""
    if problems := unstorable_text(payload):
        raise ValidationProblem(problems)
    try:
        orders = client.parse_pushed_orders(payload)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Problem(422, f"Not an order push: {type(exc).__name__}: {exc}") from exc
    connector_id = connector.id

    def store():
        target = db.session.get(Connector, connector_id)
        for order in orders:
            record_order(db.session, target, order, source)

    run_in_transaction(db.session, store)
    return len(orders)
