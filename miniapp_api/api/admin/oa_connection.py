"""The OA connection for staff: is the channel sending (or paused, and why), and each customer's messaging window."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import fields

from ...extensions import db
from ...models.staff import ADMIN, OWNER, ROLES
from ...schemas.base import Schema
from ...services import audit
from ...services.oa import channel, window
from ...services.oa.connect import connect_ticket
from ...services.oa.outbound import contact_for_customer
from .access import STAFF_SECURITY, current as principal, require
from .customer_access import load_customer

blp = Blueprint("admin_oa", __name__, url_prefix="/api/v1/admin",
                description="The Zalo OA connection and customers' messaging windows")


class ChannelSchema(Schema):
    status = fields.String(metadata={"description": "active, paused (nothing is sent; OA calls stay queued) or "
                                                    "probing (one queued call is being tried)"})
    needs_attention = fields.Boolean()
    code = fields.String(allow_none=True, metadata={"description": "Zalo's error code, or the event, that paused it"})
    reason = fields.String(allow_none=True, metadata={"description": "What to fix, in words"})
    paused_at = fields.String(allow_none=True)
    next_probe_at = fields.String(allow_none=True, metadata={"description": "When one queued call is tried again"})
    resumed_at = fields.String(allow_none=True)
    resumed_by = fields.String(allow_none=True)


class ConnectionSchema(Schema):
    connected = fields.Boolean(metadata={"description": "An OA token pair is stored"})
    oa_id = fields.String(allow_none=True)
    access_expires_at = fields.String()
    refresh_expires_at = fields.String(metadata={"description": "From Zalo's refresh_token_expires_in"})
    last_refresh_error = fields.String(allow_none=True)
    channel = fields.Nested(ChannelSchema)


class WindowSchema(Schema):
    customer_ref = fields.String()
    state = fields.String(metadata={"description": "free, paid (billed or from the OA's quota) or closed"})
    reason = fields.String(allow_none=True, metadata={
        "description": "Why closed: no_interaction, window_closed, or no_oa_contact"})
    changes_at = fields.String(allow_none=True, metadata={"description": "When free turns paid, or paid closes"})
    last_interaction_at = fields.String(allow_none=True)
    free_replies_left = fields.Integer(allow_none=True)
    free_replies_total = fields.Integer(allow_none=True)
    source = fields.String(metadata={"description": "zalo (its quota answer) or local (our webhooks only)"})
    checked_at = fields.String(allow_none=True, metadata={"description": "When Zalo answered"})
    uncertain = fields.Boolean(metadata={"description": "Zalo could not be asked and our own view is not enough"})
    channel = fields.Nested(ChannelSchema)


def _connection() -> dict:
    db.session.commit()  # the token store reads in a session of its own: release ours first (SQLite's one writer)
    status = current_app.extensions["oa_tokens"].status()
    return {key: status.get(key) for key in ConnectionSchema().fields if key in status}


@blp.route("/oa/connection")
@require(roles=(OWNER, ADMIN))
@blp.response(200, ConnectionSchema)
@blp.doc(security=STAFF_SECURITY)
def get_connection():
    """Whether the OA is connected and whether its channel sends, with Zalo's reason when it does not."""
    return _connection()


@blp.route("/oa/connection/resume", methods=["POST"])
@require(roles=(OWNER, ADMIN))
@blp.response(200, ConnectionSchema)
@blp.doc(security=STAFF_SECURITY)
def resume_connection():
    """Resume a paused channel after fixing its cause (e.g. topping up the Zalo Cloud Account); queued calls go out.

    If the cause is still there, the first call pauses it again, with nothing lost.
    """
    oa_id = str(current_app.config.get("ZALO_OA_ID") or "")
    if channel.resume(db.session, oa_id, f"staff:{principal().id}"):
        audit.record(db.session, "oa.channel.resume", "oa", oa_id)
    db.session.commit()
    return _connection()


class ConnectUrl(Schema):
    url = fields.String(metadata={"description": "Open it to give the shop's OA to this app on Zalo's consent page"})


@blp.route("/oa/connect-url", methods=["POST"])
@require(roles=(OWNER, ADMIN))
@blp.response(200, ConnectUrl)
@blp.doc(security=STAFF_SECURITY)
def connect_url():
    """A short-lived link that starts connecting the OA (as `flask zalo connect-url`)."""
    audit.record(db.session, "oa.connect_url", "oa", str(current_app.config.get("ZALO_OA_ID") or ""))
    db.session.commit()
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return {"url": f"{base}/oauth/zalo/start?ticket={connect_ticket(current_app.config['SECRET_KEY'])}"}


@blp.route("/customers/<ref>/oa-window")
@require(roles=ROLES, scope="conversations:read")
@blp.response(200, WindowSchema)
@blp.doc(security=STAFF_SECURITY)
def get_window(ref):
    """The customer's messaging window as Zalo sees it (asked when our own view is uncertain, then kept briefly)."""
    customer = load_customer(ref)
    contact = contact_for_customer(db.session, customer)
    status = channel.status(db.session, str(current_app.config.get("ZALO_OA_ID") or ""))
    if contact is None:
        return {"customer_ref": customer.ref, "state": window.CLOSED, "reason": "no_oa_contact", "source": "local",
                "uncertain": False, "channel": status}
    known = window.current(db.session, current_app.extensions["zalo_oa"], contact.oa_user_id, contact,
                           current_app.config["OA_QUOTA_CACHE_SECONDS"])
    return {"customer_ref": customer.ref, **known.public(), "uncertain": known.uncertain, "channel": status}
