"""Owner-only administration: staff accounts, integrator API keys, the audit log."""
from __future__ import annotations

import sqlalchemy as sa
from flask_smorest import Blueprint

from ...errors import Problem
from ...extensions import db
from ...models.audit import AuditEntry
from ...models.staff import ADMIN, OWNER, ApiKey, ApiKeyUse, StaffSession, StaffUser
from ...schemas.staff import (ApiKeyCreate, ApiKeyCreated, ApiKeySchema, ApiKeyUseQuery, ApiKeyUseSchema,
    AuditEntrySchema, AuditQuery, StaffCreate, StaffSchema, StaffUpdate)
from ...services.staff import access
from ...services import audit
from ...services.transactions import run_in_transaction
from ... import clock
from .access import STAFF_SECURITY, current, require

blp = Blueprint("admin_staff", __name__, url_prefix="/api/v1/admin", description="Staff, API keys and audit (owner)")


def _get_staff(staff_id: int) -> StaffUser:
    staff = db.session.get(StaffUser, staff_id)
    if staff is None:
        raise Problem(404, f"No staff account {staff_id}.", title="Not Found")
    return staff


@blp.route("/staff")
@require(roles=(OWNER,))
@blp.response(200, StaffSchema(many=True))
@blp.doc(security=STAFF_SECURITY)
def list_staff():
    """Every staff account."""
    return db.session.scalars(sa.select(StaffUser).order_by(StaffUser.id)).all()


@blp.route("/staff", methods=["POST"])
@require(roles=(OWNER,))
@blp.arguments(StaffCreate)
@blp.response(201, StaffSchema)
@blp.alt_response(409, description="The email is taken")
@blp.doc(security=STAFF_SECURITY)
def create_staff(body):
    """Create a staff account with a role."""
    def work():
        try:
            staff = access.create_staff(db.session, body["email"], body["name"], body["role"], body["password"])
        except access.AccessError as exc:
            raise Problem(409, str(exc), title="Conflict") from exc
        for name in ("active", "available", "capacity"):
            if name in body:
                setattr(staff, name, body[name])
        audit.record(db.session, "staff.create", "staff", staff.id, email=staff.email, role=staff.role)
        return staff

    return run_in_transaction(db.session, work)


@blp.route("/staff/<int:staff_id>", methods=["PATCH"])
@require(roles=(OWNER,))
@blp.arguments(StaffUpdate)
@blp.response(200, StaffSchema)
@blp.alt_response(404, description="No such account")
@blp.alt_response(409, description="Would leave the shop without an active owner")
@blp.doc(security=STAFF_SECURITY)
def update_staff(body, staff_id):
    """Change role, availability, capacity or password; deactivating or a new password ends the account's sessions."""
    def work():
        staff = _get_staff(staff_id)
        new_password = body.pop("password", None)
        if new_password is not None:
            access.set_password(staff, new_password)
        for name, value in body.items():
            setattr(staff, name, value)
        db.session.flush()
        owners = db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser).where(
            StaffUser.role == OWNER, StaffUser.active.is_(True)))
        if owners == 0:
            raise Problem(409, "The shop must keep at least one active owner.", title="Conflict")
        if not staff.active or new_password:  # a reset locks out whoever knew the old password, except the
            ended = [StaffSession.staff_id == staff.id, StaffSession.revoked_at.is_(None)]  # owner's own session
            if current().session is not None:
                ended.append(StaffSession.id != current().session.id)
            db.session.execute(sa.update(StaffSession).where(*ended).values(revoked_at=clock.now()))
        audit.record(db.session, "staff.update", "staff", staff.id,
                     changed=sorted([*body, *(["password"] if new_password is not None else [])]))
        return staff

    return run_in_transaction(db.session, work)


@blp.route("/api-keys")
@require(roles=(OWNER,))
@blp.response(200, ApiKeySchema(many=True))
@blp.doc(security=STAFF_SECURITY)
def list_api_keys():
    """Integrator keys (never their secrets), with last use."""
    return db.session.scalars(sa.select(ApiKey).order_by(ApiKey.id)).all()


@blp.route("/api-keys", methods=["POST"])
@require(roles=(OWNER,))
@blp.arguments(ApiKeyCreate)
@blp.response(201, ApiKeyCreated)
@blp.doc(security=STAFF_SECURITY)
def create_api_key(body):
    """Create a scoped key; the secret is in this response only."""
    def work():
        key, secret = access.create_api_key(db.session, body["name"], body["scopes"], current().staff)
        audit.record(db.session, "api_key.create", "api_key", key.id, name=key.name, scopes=key.scopes)
        return key, secret

    key, secret = run_in_transaction(db.session, work)
    key.secret = secret  # transient: serialised into this one response, never stored
    return key


@blp.route("/api-keys/<int:key_id>", methods=["DELETE"])
@require(roles=(OWNER,))
@blp.response(204)
@blp.alt_response(404, description="No such key")
@blp.doc(security=STAFF_SECURITY)
def revoke_api_key(key_id):
    """Revoke a key at once."""
    def work():
        key = db.session.get(ApiKey, key_id)
        if key is None:
            raise Problem(404, f"No API key {key_id}.", title="Not Found")
        key.revoked_at = key.revoked_at or clock.now()
        audit.record(db.session, "api_key.revoke", "api_key", key.id)

    run_in_transaction(db.session, work)


@blp.route("/api-keys/<int:key_id>/uses")
@require(roles=(OWNER,))
@blp.arguments(ApiKeyUseQuery, location="query")
@blp.response(200, ApiKeyUseSchema(many=True))
@blp.alt_response(404, description="No such key")
@blp.doc(security=STAFF_SECURITY)
def list_api_key_uses(query, key_id):
    """Each recorded use of a key (when, method, path, client address), newest first; page with `before_id`."""
    if db.session.get(ApiKey, key_id) is None:
        raise Problem(404, f"No API key {key_id}.", detail_vi=f"Không có khóa API {key_id}.")
    statement = (sa.select(ApiKeyUse).where(ApiKeyUse.api_key_id == key_id)
                 .order_by(ApiKeyUse.id.desc()).limit(query["limit"]))
    if "before_id" in query:
        statement = statement.where(ApiKeyUse.id < query["before_id"])
    return db.session.scalars(statement).all()


@blp.route("/audit")
@require(roles=(OWNER, ADMIN))
@blp.arguments(AuditQuery, location="query")
@blp.response(200, AuditEntrySchema(many=True))
@blp.doc(security=STAFF_SECURITY)
def list_audit(query):
    """Who did what, newest first (owners and admins); page with `before_id`."""
    statement = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(query["limit"])
    for name in ("action", "target_type", "target_id"):
        if name in query:
            statement = statement.where(getattr(AuditEntry, name) == query[name])
    if "before_id" in query:
        statement = statement.where(AuditEntry.id < query["before_id"])
    return db.session.scalars(statement).all()
