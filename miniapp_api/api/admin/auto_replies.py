"""Automatic replies: the rules the bot answers customers with (docs/oa.md), and "try a message"."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ... import clock
from ...errors import Problem, ValidationProblem
from ...extensions import db
from ...models import AutoReplyRule
from ...models.staff import ADMIN, OWNER, VIEWER
from ...schemas.base import Schema
from ...services import audit
from ...services.forms.links import AUTO_REPLY, form_link
from ...services.oa.auto_reply import MATCH_TYPES, RuleInvalid, decide, export_rule, save_rule
from ...services.transactions import run_in_transaction
from .access import STAFF_SECURITY, require

blp = Blueprint("admin_auto_replies", __name__, url_prefix="/api/v1/admin", description="Automatic replies")
READERS, MANAGERS = (OWNER, ADMIN, VIEWER), (OWNER, ADMIN)


class RuleSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    match_type = fields.String(load_default="contains", validate=validate.OneOf(MATCH_TYPES),
                               metadata={"description": "contains / exact (diacritics and case ignored) or regex"})
    pattern = fields.String(required=True, validate=validate.Length(min=1, max=500))
    priority = fields.Integer(load_default=100, validate=validate.Range(min=0, max=100000),
                              metadata={"description": "Lower is tried first"})
    reply_text = fields.String(allow_none=True, validate=validate.Length(max=2000))
    send_form_link = fields.Boolean(load_default=False)
    send_info_request = fields.Boolean(load_default=False)
    handover = fields.Boolean(load_default=False, metadata={"description": "Mark the conversation waiting for staff"})
    business_hours = fields.String(allow_none=True, validate=validate.Length(max=100),
                                   metadata={"description": "e.g. mon-sat 08:00-21:00 (Asia/Ho_Chi_Minh)"})
    out_of_hours_text = fields.String(allow_none=True, validate=validate.Length(max=2000))
    active = fields.Boolean(load_default=True)


class TryRequest(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class TryResult(Schema):
    rule = fields.String(allow_none=True, metadata={"description": "The rule that answers; null: none does"})
    reply_text = fields.String(allow_none=True, metadata={"description": "What the customer would get now"})
    handover = fields.Boolean()
    info_request = fields.Boolean()


@blp.route("/auto-replies")
@require(roles=READERS)
@blp.response(200, RuleSchema(many=True))
@blp.doc(security=STAFF_SECURITY)
def list_rules():
    """Every rule, in the order they are tried."""
    rules = db.session.scalars(sa.select(AutoReplyRule).order_by(AutoReplyRule.priority, AutoReplyRule.id))
    return [export_rule(rule) for rule in rules]


@blp.route("/auto-replies", methods=["POST"])
@require(roles=MANAGERS)
@blp.arguments(RuleSchema)
@blp.response(200, RuleSchema)
@blp.doc(security=STAFF_SECURITY)
def save(body):
    """Create the rule, or replace the one with that name (as `flask rules add`)."""
    def work():
        rule, created = save_rule(db.session, body)
        audit.record(db.session, "auto_reply.create" if created else "auto_reply.update", "auto_reply", rule.id,
                     name=rule.name)
        return export_rule(rule)

    try:
        return run_in_transaction(db.session, work)
    except RuleInvalid as exc:
        db.session.rollback()
        field = "pattern" if "pattern" in str(exc) else "business_hours" if "hours" in str(exc) else "reply_text"
        raise ValidationProblem({field: [str(exc)]}) from exc


@blp.route("/auto-replies/<name>", methods=["DELETE"])
@require(roles=MANAGERS)
@blp.response(204)
@blp.doc(security=STAFF_SECURITY)
def delete(name):
    def work():
        rule = db.session.scalar(sa.select(AutoReplyRule).where(AutoReplyRule.name == name))
        if rule is None:
            raise Problem(404, f"No rule named {name}.", title="Not Found")
        audit.record(db.session, "auto_reply.delete", "auto_reply", rule.id, name=name)
        db.session.delete(rule)

    run_in_transaction(db.session, work)


@blp.route("/auto-replies/try", methods=["POST"])
@require(roles=READERS)
@blp.arguments(TryRequest)
@blp.response(200, TryResult)
@blp.doc(security=STAFF_SECURITY)
def try_message(body):
    """Which rule would answer this message now, and with what (nothing is sent)."""
    decision = decide(db.session, body["text"], clock.now(), form_link(current_app.config, source=AUTO_REPLY))
    if decision is None:
        return {"rule": None, "reply_text": None, "handover": False, "info_request": False}
    return {"rule": decision.rule.name, "reply_text": decision.text, "handover": decision.handover,
            "info_request": decision.info_request}
