"""`POST /webhooks/crm/<connector name>`: orders pushed by a CRM, signed per Standard Webhooks.

The signature is checked (constant time, 5-minute timestamp tolerance) with
the secret stored in the connector's credentials before anything is parsed.
Orders are upserts keyed by (connector, external id), so a CRM resending the
same push changes nothing the second time.
"""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app, request
from flask_smorest import Blueprint

from crm_sync import standard_webhooks
from crm_sync.clients import client_for

from miniapp_api import clock
from miniapp_api.errors import Problem, ValidationProblem
from miniapp_api.extensions import db
from miniapp_api.models import Connector
from miniapp_api.schemas.base import Schema
from miniapp_api.schemas.base import unstorable_text
from miniapp_api.services.orders.records import record_order
from miniapp_api.services.transactions import run_in_transaction
from miniapp_api.api import json_body

blp = Blueprint("crm_webhooks", __name__, url_prefix="/webhooks/crm",
                description="Orders pushed by CRMs and integrators (Standard Webhooks signatures)")


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
    secret = client.settings.credentials.get(secret_name) if secret_name else None
    if not secret:
        raise Problem(404, f"No enabled connector named {name!r} takes order pushes.")
    body = request.get_data()
    try:
        standard_webhooks.verify(secret, request.headers, body, clock.now().timestamp())
    except standard_webhooks.InvalidSignature as exc:
        raise Problem(401, f"Webhook signature rejected: {exc}.", title="Unauthorized") from exc
    try:
        payload = json_body.loads(body)
    except json_body.NotJson as exc:
        raise Problem(400, f"The body was refused: {exc}.", title="Bad Request") from exc
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
            record_order(db.session, target, order, "webhook")

    run_in_transaction(db.session, store)
    return {"received": len(orders)}
