"""Profile conflicts ("possible same person") as the staff API shows and resolves them."""
from __future__ import annotations

from marshmallow import fields, validate

from .admin_customers import AdminCustomerSchema
from .base import Schema


class ConflictListQuery(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "resolved", "all"]))
    cursor = fields.String(validate=validate.Regexp(r"^[0-9]{1,9}$"),
                           metadata={"description": "`next_cursor` of the previous page"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ClaimSchema(Schema):
    kind = fields.String(metadata={"description": "phone, zalo_oa, …"})
    value = fields.String()
    source = fields.String(metadata={"description": "Where the claim came from, e.g. form:lien-he, oa_submit_info"})
    verified = fields.Boolean(metadata={"description": "Zalo or a CRM vouched for it (else typed or client-sent)"})
    claimed_by = fields.String(metadata={"description": "Ref of the profile that made the claim"})


class ConflictSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "The identity kinds that differ, or the kind of the claim"})
    detail = fields.String()
    claim = fields.Nested(ClaimSchema, allow_none=True,
                          metadata={"description": "The identity one profile claimed that the other holds"})
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolution = fields.String(allow_none=True, metadata={"description": "merged | dismissed"})
    resolved_by = fields.String(allow_none=True)
    customer = fields.Nested(AdminCustomerSchema)
    other_customer = fields.Nested(AdminCustomerSchema)


class ConflictPage(Schema):
    items = fields.List(fields.Nested(ConflictSchema))
    next_cursor = fields.String(allow_none=True)


class ResolveRequest(Schema):
    action = fields.String(required=True, validate=validate.OneOf(["merge", "dismiss"]),
                           metadata={"description": "merge the two profiles, or dismiss: keep them apart for good"})
    survivor_ref = fields.String(validate=validate.Length(min=1, max=40),
                                 metadata={"description": "For merge: the profile that stays (default: the older)"})
