"""ZNS for staff: the OA's templates (list, refresh from Zalo), today's quota, and sending a template to the
customer of a conversation when Zalo's messaging window is closed.

A send is checked against the synced template before it is queued (422 naming
`template_data.<parameter>`), and goes only to a phone Zalo verified as the
customer's (409 `zns:no_verified_phone` otherwise). The worker sends it
within the daily quota; `GET /conversations/<id>/zns` shows where each is.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ...clock import iso_utc
from ...errors import Problem, ValidationProblem, problem_type
from ...extensions import db
from ...models import Customer, ZnsMessage, ZnsTemplate
from ...models.staff import ADMIN, AGENT, OWNER, VIEWER
from ...schemas.base import Schema
from ...services import audit
from ...services.customers.phones import masked
from ...services.inbox.assignment import owner_conflict
from ...services.oa.tokens import OaNotConnected, TokenRefreshFailed
from ...services.transactions import run_in_transaction
from ...services.zns import templates
from ...services.zns.send import ZnsInvalid, ZnsRefused, queue_template
from ...zalo.http import ZaloError, ZaloUnavailable
from .access import STAFF_SECURITY, current, require
from .inbox import _visible_conversation
from .inbox_problems import conflict_problem

blp = Blueprint("admin_zns", __name__, url_prefix="/api/v1/admin", description="ZNS template messages (staff)")

NO_VERIFIED_PHONE = problem_type(
    "zns:no_verified_phone", 409, "Not sent: no verified phone", "Chưa gửi: khách chưa có số điện thoại đã xác thực",
    "Tin ZNS gửi theo số điện thoại; khách hàng này chưa có số điện thoại được Zalo xác thực.")
READ_SCOPE = "conversations:read"


class ParamSchema(Schema):
    name = fields.String()
    require = fields.Boolean()
    type = fields.String(metadata={"description": "STRING, NUMBER or DATE (dd/MM/yyyy), as Zalo says"})
    maxLength = fields.Integer(allow_none=True)
    minLength = fields.Integer(allow_none=True)
    acceptNull = fields.Boolean()


class TemplateSchema(Schema):
    template_id = fields.String()
    name = fields.String()
    status = fields.String(metadata={"description": "Zalo's: ENABLE, PENDING_REVIEW, REJECT, DISABLE, DELETE"})
    tag = fields.String(allow_none=True)
    quality = fields.String(allow_none=True)
    price = fields.String(allow_none=True)
    preview_url = fields.String(allow_none=True)
    params = fields.List(fields.Nested(ParamSchema))
    synced_at = fields.String()


class TemplateList(Schema):
    items = fields.List(fields.Nested(TemplateSchema))


class SyncResult(TemplateList):
    created = fields.Integer()
    updated = fields.Integer()
    removed = fields.Integer()


class QuotaSchema(Schema):
    dailyQuota = fields.String(allow_none=True)
    remainingQuota = fields.String(allow_none=True)


class SendRequest(Schema):
    template_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Za-z_-]{1,32}$"))
    template_data = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)), values=fields.Raw(),
                                required=True, validate=validate.Length(max=50),
                                metadata={"description": "The template's parameters by name: strings or numbers"})


class ZnsMessageSchema(Schema):
    id = fields.Integer()
    template_id = fields.String()
    tracking_id = fields.String()
    phone = fields.String(metadata={"description": "Masked"})
    reason = fields.String(metadata={"description": "staff or order_status"})
    delivery_state = fields.String(metadata={"description": "queued, sent, received or failed"})
    queue_status = fields.String(metadata={"description": "pending (also while waiting for tomorrow's quota), "
                                                          "processing, done, dead"})
    last_error = fields.String(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    created_at = fields.String()
    sent_at = fields.String(allow_none=True)
    received_at = fields.String(allow_none=True)


class ZnsMessageList(Schema):
    items = fields.List(fields.Nested(ZnsMessageSchema))


def template_view(t: ZnsTemplate) -> dict:
    return {"template_id": t.template_id, "name": t.name, "status": t.status, "tag": t.tag, "quality": t.quality,
            "price": t.price, "preview_url": t.preview_url, "params": t.params, "synced_at": iso_utc(t.synced_at)}


def message_view(m: ZnsMessage) -> dict:
    return {"id": m.id, "template_id": m.template_id, "tracking_id": m.tracking_id, "phone": masked(m.phone),
            "reason": m.reason, "delivery_state": m.delivery_state, "queue_status": m.status,
            "last_error": m.last_error, "order_id": m.order_id, "created_at": iso_utc(m.created_at),
            "sent_at": iso_utc(m.sent_at), "received_at": iso_utc(m.received_at)}


def _from_zalo(call):
    """Run a call to Zalo with no transaction open (the token store reads in a session of its own, and SQLite has one
    writer); its refusal or absence becomes a problem the caller can act on."""
    db.session.commit()
    try:
        return call()
    except (OaNotConnected, TokenRefreshFailed) as exc:
        raise Problem(409, str(exc)) from exc
    except ZaloError as exc:
        raise Problem(502, f"Zalo refused: error {exc.code} {exc.message}") from exc
    except ZaloUnavailable as exc:
        raise Problem(502, f"Zalo could not be reached: {exc}") from exc


@blp.route("/zns/templates")
@require(roles=(OWNER, ADMIN, AGENT, VIEWER), scope=READ_SCOPE)
@blp.response(200, TemplateList)
@blp.doc(security=STAFF_SECURITY)
def list_zns_templates():
    """The OA's ZNS templates as last synced from Zalo, with their parameters."""
    return {"items": [template_view(t) for t in templates.all_templates(db.session)]}


@blp.route("/zns/templates/sync", methods=["POST"])
@require(roles=(OWNER, ADMIN))
@blp.response(200, SyncResult)
@blp.alt_response(409, description="The OA is not connected")
@blp.alt_response(502, description="Zalo refused or could not be reached")
@blp.doc(security=STAFF_SECURITY)
def sync_zns_templates():
    """Fetch the OA's templates and their parameters from Zalo now (the worker also does it hourly)."""
    counts = _from_zalo(lambda: templates.sync(db.session, current_app.extensions["zalo_zns"]))
    audit.record(db.session, "zns.templates_synced", "zns_template", None, **counts)
    db.session.commit()
    return {**counts, "items": [template_view(t) for t in templates.all_templates(db.session)]}


@blp.route("/zns/quota")
@require(roles=(OWNER, ADMIN, AGENT, VIEWER), scope=READ_SCOPE)
@blp.response(200, QuotaSchema)
@blp.alt_response(502, description="Zalo refused or could not be reached")
@blp.doc(security=STAFF_SECURITY)
def zns_quota():
    """Today's ZNS quota as Zalo reports it (`GET /message/quota`)."""
    data = _from_zalo(lambda: current_app.extensions["zalo_zns"].quota())
    return {key: None if data.get(key) is None else str(data[key]) for key in ("dailyQuota", "remainingQuota")}


@blp.route("/conversations/<int:conversation_id>/zns", methods=["POST"])
@require(roles=(OWNER, ADMIN, AGENT))
@blp.arguments(SendRequest)
@blp.response(201, ZnsMessageSchema)
@blp.alt_response(409, description="Held by someone else, or the customer has no phone verified by Zalo")
@blp.alt_response(422, description="Unknown or disabled template, or a parameter Zalo would refuse (named)")
@blp.doc(security=STAFF_SECURITY)
def send_zns(body, conversation_id):
    """Queue a ZNS template message to the customer's verified phone (for when the messaging window is closed)."""
    def work():
        conversation = _visible_conversation(conversation_id)
        staff = current().staff
        if conversation.assignee_id is not None and conversation.assignee_id != staff.id:
            raise conflict_problem(owner_conflict(db.session, conversation))
        customer = db.session.get(Customer, conversation.customer_id)
        try:
            row = queue_template(db.session, customer, body["template_id"], body["template_data"], reason="staff",
                                 staff_id=staff.id)
        except ZnsRefused as exc:
            raise Problem(409, exc.reason, kind=NO_VERIFIED_PHONE) from exc
        except ZnsInvalid as exc:
            raise ValidationProblem(exc.errors, "The template or its parameters would be refused by Zalo.") from exc
        audit.record(db.session, "conversation.zns", "conversation", conversation.id, zns_message_id=row.id,
                     template_id=row.template_id)
        return message_view(row)

    return run_in_transaction(db.session, work)


@blp.route("/conversations/<int:conversation_id>/zns")
@require(roles=(OWNER, ADMIN, AGENT, VIEWER), scope=READ_SCOPE)
@blp.response(200, ZnsMessageList)
@blp.doc(security=STAFF_SECURITY)
def list_zns(conversation_id):
    """ZNS messages to the conversation's customer, newest first, and where each is."""
    conversation = _visible_conversation(conversation_id)
    rows = db.session.scalars(sa.select(ZnsMessage).where(ZnsMessage.customer_id == conversation.customer_id)
                              .order_by(ZnsMessage.id.desc()).limit(100))
    return {"items": [message_view(m) for m in rows]}
