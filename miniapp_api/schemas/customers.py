"""The customer profile as the API shows it (mirrors `services.snapshots.customer_snapshot`)."""
from __future__ import annotations

from marshmallow import fields

from .base import Schema


class PhoneSchema(Schema):
    e164 = fields.String(metadata={"example": "+84912345678"})
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
    phone = fields.String(allow_none=True, metadata={"description": "Preferred phone, E.164"})
    phones = fields.List(fields.Nested(PhoneSchema))
    email = fields.String(allow_none=True)
    province = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    attributes = fields.Dict()
    zalo = fields.Nested(ZaloIdsSchema)
    consents = fields.Dict(keys=fields.String(), values=fields.Nested(ConsentStateSchema))
    pipeline_status = fields.String(metadata={"description": "new → contacted → qualified → customer → vip / lost"})
    source = fields.String()
    created_at = fields.String()
    updated_at = fields.String()
