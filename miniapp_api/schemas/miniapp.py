"""Request and response bodies of the Mini App API."""
from __future__ import annotations

from marshmallow import fields, validate

from .base import Schema
from .customers import CustomerSchema
from .forms import SubmissionSchema


class OwnProfileSchema(CustomerSchema):
    """The caller's profile: only what they provided through their own Zalo account (docs/profiles.md)."""

    class Meta:
        exclude = ("pipeline_status", "crm_ids")


# Zalo tokens are printable ASCII; anything else could not even be sent as a header.
TOKEN = [validate.Length(min=1, max=4096), validate.Regexp(r"^[!-~]+$", error="Must be printable ASCII.")]


class SessionRequest(Schema):
    access_token = fields.String(required=True, validate=TOKEN,
                                 metadata={"description": "zmp-sdk getAccessToken() result"})
    id_by_oa = fields.String(validate=validate.Regexp(r"^[0-9]{1,32}$", error="Must be a Zalo id (digits)."),
                             metadata={"description": "getUserInfo().userInfo.idByOA, when the app is linked to the OA"})


class SessionResponse(Schema):
    session_token = fields.String(metadata={"description": "Send as `Authorization: Bearer <token>`"})
    expires_in = fields.Integer(metadata={"description": "Seconds"})
    customer = fields.Nested(OwnProfileSchema)


class PhoneRequest(Schema):
    access_token = fields.String(required=True, validate=TOKEN)
    code = fields.String(required=True, validate=TOKEN, metadata={"description": "getPhoneNumber().token"})


class PhoneResponse(Schema):
    phone = fields.String(metadata={"example": "+84912345678"})
    customer = fields.Nested(OwnProfileSchema)


class SubmissionResponse(Schema):
    submission = fields.Nested(SubmissionSchema)
    customer = fields.Nested(OwnProfileSchema)


class MeResponse(Schema):
    customer = fields.Nested(OwnProfileSchema)
    submissions = fields.List(fields.Nested(SubmissionSchema))


class ConsentRequest(Schema):
    purpose = fields.String(required=True, validate=validate.OneOf(["marketing"]))
    granted = fields.Boolean(required=True)


class FormSchema(Schema):
    """A form definition as the Mini App renders it."""

    slug = fields.String()
    version = fields.Integer()
    title = fields.Dict()
    description = fields.Dict()
    fields = fields.List(fields.Dict(), metadata={"description": "Field definitions, in display order"})
