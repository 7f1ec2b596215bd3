"""Saved replies as the staff API shows them."""
from __future__ import annotations

from marshmallow import fields, validate

from .base import Schema

NOT_BLANK = validate.Regexp(r"[\s\S]*\S", error="Must not be blank.")
VARIABLES_HELP = "Filled when picked: {ten_khach} the customer's name, {nhan_vien} the replying staff member's name"


class SavedReplySchema(Schema):
    id = fields.Integer(dump_only=True)
    shortcut = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z0-9][a-z0-9_-]{0,31}$", error="1–32 lower-case letters, digits, - or _ (typed after / in the composer)."),
        metadata={"description": "Typed after `/` in the composer, e.g. `chao` for /chao"})
    title = fields.String(required=True, validate=[validate.Length(min=1, max=100), NOT_BLANK])
    text = fields.String(required=True, validate=[validate.Length(min=1, max=2000), NOT_BLANK],
                         metadata={"description": VARIABLES_HELP})
    updated_at = fields.DateTime(dump_only=True)


class AssigneeSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    available = fields.Boolean(metadata={"description": "Takes automatically assigned conversations"})


class SavedReplyPatch(SavedReplySchema):
    """The fields to change (any of them)."""
