"""Staff accounts, logins, API keys and audit entries as the staff API shows them."""
from __future__ import annotations

from marshmallow import fields, validate

from ..models.staff import ROLES, SCOPES
from .base import Schema
from .ids import row_id


class LoginRequest(Schema):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=1000), load_only=True)


class StaffSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.Email(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    active = fields.Boolean()
    available = fields.Boolean(metadata={"description": "Takes automatically assigned conversations"})
    capacity = fields.Integer(validate=validate.Range(min=0, max=1000))
    created_at = fields.DateTime(dump_only=True)
    last_login_at = fields.DateTime(dump_only=True, allow_none=True)


class StaffCreate(StaffSchema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=1000))


class StaffUpdate(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    role = fields.String(validate=validate.OneOf(ROLES))
    active = fields.Boolean()
    available = fields.Boolean()
    capacity = fields.Integer(validate=validate.Range(min=0, max=1000))
    password = fields.String(load_only=True, validate=validate.Length(min=10, max=1000))


class LoginResponse(Schema):
    token = fields.String(metadata={"description": "Bearer token for scripts; browsers use the HttpOnly cookie"})
    csrf_token = fields.String(metadata={"description": "Send as X-CSRF-Token on cookie-authenticated changes"})
    expires_at = fields.DateTime()
    staff = fields.Nested(StaffSchema)


class SessionInfo(Schema):
    csrf_token = fields.String(metadata={"description": "Send as X-CSRF-Token on cookie-authenticated changes"})
    expires_at = fields.DateTime()
    staff = fields.Nested(StaffSchema)


class ApiKeyCreate(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    scopes = fields.List(fields.String(validate=validate.OneOf(SCOPES)), required=True,
                         validate=validate.Length(min=1))


class ApiKeySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "First characters of the key, to recognise it"})
    scopes = fields.List(fields.String())
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)
    use_count = fields.Integer()


class ApiKeyCreated(ApiKeySchema):
    secret = fields.String(metadata={"description": "Shown once; store it now"})


class ApiKeyUseSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    method = fields.String()
    path = fields.String()
    ip = fields.String(allow_none=True, metadata={"description": "Client address"})


class ApiKeyUseQuery(Schema):
    before_id = row_id(metadata={"description": "Cursor: uses older than this id"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class AuditEntrySchema(Schema):
    id = fields.Integer()
    actor_type = fields.String()
    actor_label = fields.String()
    action = fields.String()
    target_type = fields.String(allow_none=True)
    target_id = fields.String(allow_none=True)
    detail = fields.Dict()
    ip = fields.String(allow_none=True)
    at = fields.DateTime()


class AuditQuery(Schema):
    action = fields.String()
    target_type = fields.String()
    target_id = fields.String()
    before_id = row_id(metadata={"description": "Cursor: entries older than this id"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
