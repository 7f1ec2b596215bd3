"""The shared inbox as the staff API shows it: conversation lists, details, actions, search."""
from __future__ import annotations

from marshmallow import fields, validate

from ..models.conversation import CONVERSATION_STATUSES
from .base import Schema
from .customers import CustomerSchema
from .ids import row_id
from .phones import DictWithPhones, ListWithPhones, RawWithPhones

WINDOW_STATES = ("free", "paid", "closed")
WINDOW_HELP = ("Zalo messaging window from the customer's last message: free ≤ 48 h, paid ≤ 7 days, "
               "closed after (only template messages)")


class ConversationQuery(Schema):
    status = fields.String(validate=validate.OneOf(CONVERSATION_STATUSES))
    assignee_id = row_id()
    unassigned = fields.Boolean()
    tag = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "Customer tag name"})
    customer = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$"),
                             metadata={"description": "Customer ref: only that customer's conversations"})
    waiting = fields.Boolean(metadata={"description": "Handed over by the bot, waiting for a human"})
    window = fields.String(validate=validate.OneOf(WINDOW_STATES), metadata={"description": WINDOW_HELP})
    q = fields.String(validate=validate.Length(min=1, max=200),
                      metadata={"description": "Every word in the customer's name/phone/email/form answers or "
                                               "the conversation's messages; diacritics and case are ignored"})
    cursor = fields.String(validate=validate.Length(max=200), metadata={"description": "`next_cursor` of the "
                                                                                      "previous page"})
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))
    sort = fields.String(load_default="activity", validate=validate.OneOf(("activity", "waited")), metadata={
        "description": "activity: newest activity first; waited: handed over to a human and waiting longest "
                       "first, then the rest by activity"})


class StaffBrief(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()


class CustomerBrief(Schema):
    id = fields.Integer()
    ref = fields.String()
    full_name = fields.String(allow_none=True)
    zalo_display_name = fields.String(allow_none=True)


class MessageSchema(Schema):
    id = fields.Integer()
    direction = fields.String(metadata={"description": "in (from the customer) or out"})
    author = fields.String(metadata={"description": "customer, staff, oa_console, bot or system; customer_event "
                                                    "or oa_event for reactions and feedback (history, not replies)"})
    author_staff_id = fields.Integer(allow_none=True)
    internal = fields.Boolean(metadata={"description": "A staff note, never sent to the customer"})
    type = fields.String(metadata={"description": "text, image, gif, file, sticker, location, link, audio, video, "
                                                  "reaction, feedback, submit_info, note, …"})
    text = fields.String(allow_none=True)
    attachments = ListWithPhones(fields.Dict(), metadata={
        "description": "As Zalo sent them ({type, payload}: url, thumbnail, name, size, coordinates, …) or, for "
                       "what staff sent, the upload's attachment_id/token with name, size and format"})
    delivery_state = fields.String(allow_none=True)
    failure_reason = fields.String(allow_none=True)
    paid = fields.Boolean()
    sent_at = fields.DateTime()


class ConversationSummary(Schema):
    id = fields.Integer()
    status = fields.String()
    customer = fields.Nested(CustomerBrief)
    assignee = fields.Nested(StaffBrief, allow_none=True)
    assigned_at = fields.DateTime(allow_none=True)
    waiting_for_human = fields.Boolean()
    waiting_since = fields.DateTime(allow_none=True)
    awaiting_reply_since = fields.DateTime(allow_none=True, metadata={
        "description": "The customer's oldest message no person has answered (bot replies do not count); null "
                       "when nobody is owed an answer. `sort=waited` puts the longest waits first."})
    window = fields.String(metadata={"description": WINDOW_HELP})
    last_customer_message_at = fields.DateTime(allow_none=True)
    last_message = fields.Nested(MessageSchema, allow_none=True)
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    unread = fields.Integer(metadata={"description": "In lists for a signed-in person: customer messages after "
                                                     "their read marker (`POST .../read`); absent for API keys"})


class ReadRequest(Schema):
    message_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), metadata={
        "description": "Read up to this message of the conversation; leave out for its latest message"})


class ConversationPage(Schema):
    items = fields.List(fields.Nested(ConversationSummary))
    next_cursor = fields.String(allow_none=True, metadata={"description": "Absent on the last page"})


class EventSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    staff_id = fields.Integer(allow_none=True)
    detail = fields.Dict()
    at = fields.DateTime()


class AnswerSchema(Schema):
    name = fields.String(metadata={"description": "Field name"})
    label = fields.Dict(metadata={"description": "The field's label, {vi, en}"})
    value = RawWithPhones(metadata={"description": "As a person reads it: a choice's label (list for several), text, "
                                               "true/false"})
    code = fields.Raw(metadata={"description": "Choices only: the stored option code(s)"})


class SubmissionBrief(Schema):
    ref = fields.String()
    form = fields.String(metadata={"description": "Form slug"})
    values = DictWithPhones(metadata={"description": "As stored (option codes)"})
    answers = fields.List(fields.Nested(AnswerSchema), metadata={"description": "Labelled, in form order"})
    created_at = fields.DateTime()


class OrderBrief(Schema):
    id = fields.Integer()
    external_id = fields.String()
    status = fields.String()
    total_vnd = fields.Integer()
    items = fields.List(fields.Dict())
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ConversationDetail(ConversationSummary):
    messages = fields.List(fields.Nested(MessageSchema), metadata={"description": "Oldest first, notes included"})
    events = fields.List(fields.Nested(EventSchema))
    staff = fields.List(fields.Nested(StaffBrief), metadata={
        "description": "The staff the messages, notes and timeline name (by `author_staff_id`, `staff_id`)"})
    profile = fields.Nested(CustomerSchema)
    submissions = fields.List(fields.Nested(SubmissionBrief))
    orders = fields.List(fields.Nested(OrderBrief))


class AssignRequest(Schema):
    staff_id = row_id(required=True)


class ReplyRequest(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    with_form_link = fields.Boolean(load_default=False, metadata={
        "description": "Add the link that opens the shop's form (the Zalo Mini App) on a line after the text"})
    take_over = fields.Boolean(load_default=False, metadata={
        "description": "Reply even though someone else holds the conversation, taking it over (admins)"})


NOT_BLANK = validate.Regexp(r"[\s\S]*\S", error="Must not be blank.")


class InfoRequestRequest(Schema):
    """Zalo's request_user_info card; Zalo allows a title of 100 and a subtitle of 500 characters."""

    title = fields.String(validate=[validate.Length(min=1, max=100), NOT_BLANK],
                          metadata={"description": "Default: OA_INFO_REQUEST_TITLE"})
    subtitle = fields.String(validate=[validate.Length(min=1, max=500), NOT_BLANK],
                             metadata={"description": "Default: OA_INFO_REQUEST_SUBTITLE"})
    take_over = fields.Boolean(load_default=False, metadata={
        "description": "Send even though someone else holds the conversation, taking it over (admins)"})


class NoteRequest(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class SearchQuery(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=200))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=50))


class MessageHit(Schema):
    conversation_id = fields.Integer()
    message = fields.Nested(MessageSchema)
    customer_id = fields.Integer()


class SearchResult(Schema):
    customers = fields.List(fields.Nested(CustomerBrief))
    messages = fields.List(fields.Nested(MessageHit))
