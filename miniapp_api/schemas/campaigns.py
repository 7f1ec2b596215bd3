"""Campaigns as the staff API shows them (docs/campaigns.md)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..models.campaign import CAMPAIGN_STATES, PENDING, QUEUED, RECIPIENT_CANCELLED, SKIPPED
from ..services.campaigns.content import PROFILE_FIELDS, variables_in
from .base import Schema, moment

NOT_BLANK = validate.Regexp(r"[\s\S]*\S", error="Must not be blank.")
IMAGE_URL = fields.Url(allow_none=True, schemes={"https"}, validate=validate.Length(max=500), metadata={
    "description": "A jpg/png image at a public https URL, sent with the text as its caption (consultation "
                   "messages; Zalo fetches it)"})
TEXT_HELP = ("Up to 2000 characters. Variables: {ten_khach} the customer's name ({ten_khach|bạn}: with a "
             "fallback; none: \"anh/chị\"), {link} the recipient's tracked link to `link_url`")


class AudienceSchema(Schema):
    segment_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=50)), validate=validate.Length(min=1, max=20),
                       metadata={"description": "Customers with any of these tags"})

    @ma.validates_schema
    def _one(self, data, **_):
        if ("segment_id" in data) == ("tags" in data):
            raise ma.ValidationError("Give a segment_id or tags, not both.", "segment_id")


class CampaignFields(Schema):
    name = fields.String(validate=[validate.Length(min=1, max=100), NOT_BLANK])
    audience = fields.Nested(AudienceSchema)
    text = fields.String(validate=[validate.Length(min=1, max=2000), NOT_BLANK], metadata={"description": TEXT_HELP})
    link_url = fields.Url(allow_none=True, schemes={"http", "https"}, validate=validate.Length(max=500))
    image_url = IMAGE_URL
    zns_template_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=32), metadata={
        "description": "A ZNS template for customers outside the free window who have a verified phone"})
    zns_params = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)),
                             values=fields.String(validate=validate.Length(max=200)),
                             validate=validate.Length(max=30), metadata={
        "description": f"Template parameter → a profile field ({', '.join(sorted(PROFILE_FIELDS))}) or a literal"})
    use_promotion = fields.Boolean(metadata={
        "description": "Followers outside their free window may get Zalo's promotion message (one a day, 06:00–21:59; "
                       "the text ≤ 1000 characters): default false"})
    rate_per_minute = fields.Integer(validate=validate.Range(min=1, max=600),
                                     metadata={"description": "Sends per minute (default 60)"})

    @ma.validates_schema
    def _coherent(self, data, partial=False, **_):
        if data.get("use_promotion") and len(data.get("text") or "") > 1000:
            raise ma.ValidationError("A promotion message's text has at most 1000 characters.", "text")
        if "link" in variables_in(data.get("text", "")) and not data.get("link_url") and not partial:
            raise ma.ValidationError("{link} needs a link_url.", "link_url")
        if data.get("zns_params") and not data.get("zns_template_id") and not partial:
            raise ma.ValidationError("zns_params need a zns_template_id.", "zns_template_id")


class CampaignCreate(CampaignFields):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=100), NOT_BLANK])
    audience = fields.Nested(AudienceSchema, required=True)
    text = fields.String(required=True, validate=[validate.Length(min=1, max=2000), NOT_BLANK],
                         metadata={"description": TEXT_HELP})


class PlanSchema(Schema):
    recipients = fields.Integer(required=True)
    by_channel = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "cs: a consultation message; promotion: Zalo's promotion message to a follower; zns: a ZNS "
                       "template by phone"})
    skipped = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                          metadata={"description": "Reason → how many"})
    zns_price_vnd = fields.Integer(allow_none=True)
    estimated_cost_vnd = fields.Integer(allow_none=True)


class CampaignSchema(CampaignFields):
    id = fields.Integer()
    status = fields.String(validate=validate.OneOf(CAMPAIGN_STATES))
    scheduled_at = fields.DateTime(allow_none=True)
    planned_at = fields.DateTime(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class ScheduleRequest(Schema):
    at = moment(required=True, metadata={"description": "When it starts by itself"})


class CustomerRequest(Schema):
    customer_ref = fields.String(required=True, validate=validate.Length(min=1, max=40))


class PreviewSchema(Schema):
    text = fields.String(metadata={"description": "The text as this customer would read it"})


class ResultsSchema(Schema):
    targeted = fields.Integer()
    skipped = fields.Integer()
    cancelled = fields.Integer()
    queued = fields.Integer(metadata={"description": "Handed to the OA or ZNS queue"})
    sent = fields.Integer(metadata={"description": "Zalo accepted it"})
    delivered = fields.Integer()
    seen = fields.Integer()
    failed = fields.Integer()
    clicked = fields.Integer()
    replied = fields.Integer()
    ordered = fields.Integer()
    revenue_vnd = fields.Integer()
    cost_vnd = fields.Integer(allow_none=True)


class RecipientQuery(Schema):
    status = fields.String(validate=validate.OneOf((PENDING, QUEUED, SKIPPED, RECIPIENT_CANCELLED)))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    after = fields.Integer(validate=validate.Range(min=0, max=2**31 - 1), metadata={"description": "Last id seen"})


class RecipientSchema(Schema):
    id = fields.Integer()
    customer_ref = fields.String()
    customer_name = fields.String(allow_none=True)
    channel = fields.String(allow_none=True)
    status = fields.String()
    reason = fields.String(allow_none=True)
    delivery_state = fields.String(allow_none=True)
    queued_at = fields.DateTime(allow_none=True)
    clicked_at = fields.DateTime(allow_none=True)
    replied = fields.Boolean()
    ordered = fields.Boolean()
