"""`PUT /api/v1/customers/crm/<connector>/<crm id>`: an integrator keeps a customer by its CRM's own id.

The CRM id is the key (an identity scoped by connector, services/customers/crm_profiles.py): the first call makes
the profile, later ones update it; the same body twice changes nothing the second time. The phone and fields are
the CRM's claims — a phone links nothing a Zalo user proved, and fields never overwrite what staff set.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ...errors import Problem, ValidationProblem
from ...extensions import db
from ...models import Connector
from ...models.staff import ADMIN, OWNER
from ...schemas.admin_customers import CustomerUpdate
from ...schemas.customers import CustomerSchema
from ...services import audit
from ...services.customers.crm_profiles import crm_identity, crm_profile
from ...services.customers.phones import InvalidPhone, normalize_phone
from ...services.customers.snapshots import customer_snapshot
from ...services.transactions import run_in_transaction
from ..admin.access import STAFF_SECURITY, require

blp = Blueprint("integration_customers", __name__, url_prefix="/api/v1",
                description="Customers kept by their CRM id, for integrators")


class CrmCustomer(CustomerUpdate):
    """The CRM's view of the customer (any of the fields)."""


class UpsertedCustomer(CustomerSchema):
    created = fields.Boolean(metadata={"description": "This call made the profile"})


@blp.route("/customers/crm/<connector>/<crm_id>", methods=["PUT"])
@require(roles=(OWNER, ADMIN), scope="customers:write")
@blp.arguments(CrmCustomer)
@blp.response(200, UpsertedCustomer)
@blp.alt_response(404, description="No connector of that name")
@blp.doc(security=STAFF_SECURITY)
def upsert_by_crm_id(body, connector, crm_id):
    """Make or update the profile the connector's CRM knows as `crm_id`; connectors get the new snapshot."""
    if db.session.scalar(sa.select(Connector.id).where(Connector.name == connector)) is None:
        raise Problem(404, f"No connector named {connector!r}: add it first (POST /api/v1/admin/sync/connectors).")
    identity = crm_identity(connector, crm_id)
    if identity is None or not crm_id.strip():
        raise ValidationProblem({"crm_id": ["A CRM id of 1 to 63 characters with the connector's name."]})
    try:
        phone = normalize_phone(body["phone"]) if body.get("phone") else None
    except InvalidPhone as exc:
        raise ValidationProblem({"phone": [str(exc)]}) from exc
    facts = {name: body.get(name) for name in ("full_name", "email", "province", "address")}
    facts["attributes"] = {k: v for k, v in (body.get("attributes") or {}).items() if v is not None}

    def work():
        resolution = crm_profile(db.session, connector, identity, phone=phone, facts=facts)
        customer = resolution.customer
        if resolution.changed:
            audit.record(db.session, "customer.crm_upsert", "customer", customer.ref, connector=connector,
                         created=resolution.created)
        snapshot = resolution.snapshot or customer_snapshot(db.session, customer)
        return {**snapshot, "created": resolution.created}

    return run_in_transaction(db.session, work)
