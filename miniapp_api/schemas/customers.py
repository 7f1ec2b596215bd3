"""The customer profile as the API shows it (mirrors `services.customers.snapshots.customer_snapshot`)."""
from __future__ import annotations

from marshmallow import fields

from .base import Schema
from .phones import DictWithPhones, PhoneString


class PhoneSchema(Schema):
    e164 = PhoneString(metadata={"example": "+84912345678", "description": "Masked for viewers (docs/staff.md)"})
    verified = fields.Boolean()


class ZaloIdsSchema(Schema):
    app_user_id = fields.String(allow_none=True, metadata={"description": "Per-app id (Mini App userInfo.id)"})
    oa_user_id = fields.String(allow_none=True, metadata={"description": "OA-scoped id (webhook sender.id)"})


class ConsentStateSchema(Schema):
    granted = fields.Boolean()
    version = fields.String(allow_none=True)
    recorded_at = fields.String()


class CustomerSchema(Schema):
    ref = fields.String(metadata={"description": "Stable public id of the profile"})
    full_name = fields.String(allow_none=True)
    zalo_display_name = fields.String(allow_none=True)
    avatar_url = fields.String(allow_none=True)
    phone = PhoneString(allow_none=True, metadata={"description": "Preferred phone, E.164 (masked for viewers)"})
    phones = fields.List(fields.Nested(PhoneSchema))
    email = fields.String(allow_none=True)
    province = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    attributes = DictWithPhones()
    zalo = fields.Nested(ZaloIdsSchema)
    crm_ids = fields.Dict(keys=fields.String(), values=fields.String(),
                          metadata={"description": "Connector name → the customer id that CRM gave this person"})
    consents = fields.Dict(keys=fields.String(), values=fields.Nested(ConsentStateSchema))
    pipeline_status = fields.String(metadata={"description": "new → contacted → qualified → customer → vip / lost"})
    source = fields.String()
    created_at = fields.String()
    updated_at = fields.String()
