"""Customers, tags, segments, pipeline and privacy exports as the staff API shows them."""
from __future__ import annotations

from marshmallow import fields, validate

from ..models.tags import PIPELINE
from .base import Schema, moment
from .customers import CustomerSchema
from .inbox import OrderBrief, SubmissionBrief
from .ids import row_id

TAG_NAME = validate.Length(min=1, max=64)


class CustomerFilter(Schema):
    """The filter language shared by the customer list (query string) and segments (JSON)."""

    tags = fields.List(fields.String(validate=TAG_NAME), metadata={"description": "Has every one of these tags"})
    exclude_tags = fields.List(fields.String(validate=TAG_NAME), metadata={"description": "Has none of these"})
    source = fields.List(fields.String(validate=validate.Length(max=32)), metadata={"description": "Any of"})
    province = fields.List(fields.String(validate=validate.Length(max=100)), metadata={"description": "Any of"})
    pipeline_status = fields.List(fields.String(validate=validate.OneOf(PIPELINE)),
                                  metadata={"description": "Any of"})
    last_interaction_after = moment(metadata={"description": "Latest OA interaction at or after"})
    last_interaction_before = moment(metadata={"description": "Has interacted, but not since this time"})
    last_interaction_within_days = fields.Integer(validate=validate.Range(min=0, max=3650),
                                                  metadata={"description": "Interacted in the last N days"})
    has_phone = fields.Boolean()
    consented = fields.Boolean(metadata={"description": "Current marketing consent is granted (true) or not"})
    has_orders = fields.Boolean()


class CustomerListQuery(CustomerFilter):
    segment = row_id(metadata={"description": "Also apply this segment"})
    cursor = fields.String(validate=validate.Regexp(r"^[0-9]{1,9}$"),
                           metadata={"description": "`next_cursor` of the previous page"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AdminCustomerSchema(CustomerSchema):
    tags = fields.List(fields.String())
    last_interaction_at = fields.DateTime(allow_none=True)
    erased_at = fields.DateTime(allow_none=True)
    merged_into = fields.String(allow_none=True, metadata={"description": "Survivor ref, for a merged tombstone"})


class DeadDeliverySchema(Schema):
    delivery_id = fields.Integer()
    event_type = fields.String()
    attempts = fields.Integer()
    reason = fields.String(allow_none=True, metadata={"description": "The last error"})
    failed_at = fields.DateTime(allow_none=True)


class ConnectorSyncSchema(Schema):
    connector = fields.String(metadata={"description": "Connector name"})
    kind = fields.String()
    last_delivered_at = fields.DateTime(allow_none=True)
    pending = fields.Integer(metadata={"description": "Deliveries still to go (queued or in flight)"})
    dead_count = fields.Integer()
    dead = fields.List(fields.Nested(DeadDeliverySchema), metadata={"description": "Newest 20 dead deliveries"})


class OrderStatusChangeSchema(Schema):
    old_status = fields.String(allow_none=True, metadata={"description": "Null when the order was first seen"})
    new_status = fields.String()
    source = fields.String(metadata={"description": "pull or webhook"})
    remote_updated_at = fields.DateTime(metadata={"description": "When the CRM says it changed"})


class OrderWithHistory(OrderBrief):
    history = fields.List(fields.Nested(OrderStatusChangeSchema), metadata={"description": "Oldest first"})


class CrmIdSchema(Schema):
    connector = fields.String()
    id = fields.String(metadata={"description": "The CRM's own customer id"})


class AdminCustomerDetailSchema(AdminCustomerSchema):
    submissions = fields.List(fields.Nested(SubmissionBrief), metadata={"description": "Newest first, labelled"})
    orders = fields.List(fields.Nested(OrderWithHistory), metadata={"description": "Newest first, with each "
                                                                                   "one's status history"})
    conversation_ids = fields.List(fields.Integer(), metadata={"description": "Newest first; open them in the "
                                                                              "inbox (agents: their visible ones)"})
    sync = fields.List(fields.Nested(ConnectorSyncSchema), metadata={"description": "Per CRM connector"})
    crm_ids = fields.List(fields.Nested(CrmIdSchema), metadata={"description": "The ids CRMs gave this customer"})


class CustomerPage(Schema):
    items = fields.List(fields.Nested(AdminCustomerSchema))
    next_cursor = fields.String(allow_none=True)


class CustomerUpdate(Schema):
    full_name = fields.String(validate=validate.Length(max=200), allow_none=True)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    province = fields.String(validate=validate.Length(max=100), allow_none=True)
    address = fields.String(validate=validate.Length(max=500), allow_none=True)
    phone = fields.String(validate=validate.Length(max=32), allow_none=True,
                          metadata={"description": "Any common Vietnamese form; stored as E.164. null removes "
                                                   "unverified phones"})
    attributes = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)),
                             metadata={"description": "Merged into the attributes; a null value removes the key"})


class MergeRequest(Schema):
    other_ref = fields.String(validate=validate.Length(min=1, max=40), required=True,
                              metadata={"description": "The profile folded into this one (becomes a tombstone)"})


class TagSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(validate=[TAG_NAME, validate.Regexp(r"^[^/\s][^/]*$")], required=True)
    customers = fields.Integer(dump_only=True, metadata={"description": "Live customers with this tag"})
    created_at = fields.DateTime(dump_only=True)


class SegmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(validate=validate.Length(min=1, max=100), required=True)
    filter = fields.Nested(CustomerFilter, required=True)
    count = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "Members right now; null for a filter saved before today's input rules, which no longer loads"})
    created_at = fields.DateTime(dump_only=True)


class SegmentDetail(SegmentSchema):
    customers = fields.Nested(CustomerPage, dump_only=True, metadata={"description": "First page of members"})


class PipelineRequest(Schema):
    status = fields.String(required=True, validate=validate.OneOf(PIPELINE))


class PipelineChangeSchema(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    staff_id = fields.Integer(allow_none=True)
    at = fields.DateTime()


class PipelineSchema(Schema):
    status = fields.String()
    history = fields.List(fields.Nested(PipelineChangeSchema))


class ErasureSchema(Schema):
    ref = fields.String()
    erased_at = fields.DateTime()
    erased_refs = fields.List(fields.String(), metadata={"description": "The profile and its merged tombstones"})


class ExportSchema(Schema):
    """Everything held about one customer; the shape is described in docs/customers.md."""

    exported_at = fields.String()
    customer = fields.Dict()
    merged_profiles = fields.List(fields.Dict())
    identities = fields.List(fields.Dict())
    consents = fields.List(fields.Dict())
    submissions = fields.List(fields.Dict())
    oa_contacts = fields.List(fields.Dict())
    conversations = fields.List(fields.Dict())
    orders = fields.List(fields.Dict())
    tags = fields.List(fields.String())
    pipeline = fields.List(fields.Dict())
    merges = fields.List(fields.Dict())


class ConsentRecordSchema(Schema):
    """One consent given or withdrawn, in the words the customer saw."""

    purpose = fields.String(required=True)
    granted = fields.Boolean(required=True)
    text = fields.String(allow_none=True, metadata={"description": "The consent text as shown"})
    version = fields.String(allow_none=True)
    source = fields.String(required=True, metadata={"description": "Where it was given, e.g. miniapp_form"})
    form = fields.String(allow_none=True, metadata={"description": "The form's slug, when given in a form"})
    submission_ref = fields.String(allow_none=True)
    recorded_at = fields.DateTime(required=True)
