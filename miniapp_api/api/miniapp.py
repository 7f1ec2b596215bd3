"""Mini App API: who the user is, their phone, the shop's forms, their submissions.

Paths are pinned: the Mini App front end and integrators call them.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request
from flask_smorest import Blueprint

from ..clock import iso_utc
from ..errors import Problem, ValidationProblem
from ..extensions import db
from ..messages import preferred_language
from ..models import FormSubmission
from ..schemas.forms import SubmissionRequest
from ..schemas.miniapp import (ConsentRequest, FormSchema, MeResponse, PhoneRequest, PhoneResponse,
                               SessionRequest, SessionResponse, SubmissionResponse)
from ..services.forms import capture, idempotency
from ..services.customers.consents import record_consent
from ..services.forms.definitions import SubmissionInvalid, active_form_spec, export_form, get_form
from ..services.customers.phones import InvalidPhone, normalize_phone
from ..services.customers.profiles import publish_upsert
from ..services.forms.sessions import SessionInvalid
from ..services.customers.snapshots import own_snapshot
from ..services.transactions import run_in_transaction
from ..zalo.http import ZaloError, ZaloUnavailable

blp = Blueprint("miniapp", __name__, url_prefix="/api/v1/miniapp", description="Zalo Mini App customer capture")

SESSION_SECURITY = [{"miniappSession": []}]


def _graph():
    return current_app.extensions["zalo_graph"]


def _tokens():
    return current_app.extensions["session_tokens"]


def _session_uid() -> str:
    """The Zalo per-app id of the caller's valid session, or 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "Send `Authorization: Bearer <session_token>` from POST /api/v1/miniapp/session.",
                      title="Unauthorized", headers={"WWW-Authenticate": "Bearer"})
    try:
        return _tokens().verify(token.strip())
    except SessionInvalid as exc:
        raise Problem(401, f"{exc}; open a new session.", title="Unauthorized",
                      headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from exc


def _zalo_call(call, *args):
    """Call Zalo, turning its refusals into 401 and its absence into 503."""
    try:
        return call(*args)
    except ZaloError as exc:
        current_app.logger.info("Zalo refused a Mini App token: code %s", exc.code)
        raise Problem(401, f"Zalo rejected the token (error {exc.code}: {exc.message}).",
                      title="Zalo token rejected") from exc
    except ZaloUnavailable as exc:
        raise Problem(503, "Zalo is not reachable right now; try again shortly.", title="Zalo unavailable",
                      headers={"Retry-After": "5"}) from exc


def _customer_or_401(uid: str):
    customer = capture.customer_for_session(db.session, uid)
    if customer is None:
        raise Problem(401, "No profile for this session; open a new session.", title="Unauthorized")
    return customer


@blp.route("/session", methods=["POST"])
@blp.arguments(SessionRequest)
@blp.response(200, SessionResponse)
@blp.alt_response(401, description="Zalo rejected the access token")
@blp.alt_response(503, description="Zalo is unreachable")
def open_session(body):
    """Verify a zmp-sdk access token with Zalo and open our own session."""
    user = _zalo_call(_graph().me, body["access_token"])
    resolution = run_in_transaction(db.session, lambda: capture.open_session(db.session, user, body.get("id_by_oa")))
    tokens = _tokens()
    return {"session_token": tokens.issue(user.id), "expires_in": tokens.ttl_seconds,
            "customer": own_snapshot(db.session, resolution.customer)}


@blp.route("/phone", methods=["POST"])
@blp.arguments(PhoneRequest)
@blp.response(200, PhoneResponse)
@blp.alt_response(401, description="No valid session, or Zalo rejected the token or code")
@blp.alt_response(403, description="The Zalo token belongs to another user than the session")
@blp.doc(security=SESSION_SECURITY)
def share_phone(body):
    """Decode a getPhoneNumber() token and attach the number as a verified phone."""
    uid = _session_uid()
    user = _zalo_call(_graph().me, body["access_token"])
    if user.id != uid:
        raise Problem(403, "The Zalo access token belongs to a different user than this session.", title="Forbidden")
    raw_number = _zalo_call(_graph().phone_number, body["access_token"], body["code"])
    try:
        phone = normalize_phone(raw_number)
    except InvalidPhone as exc:
        raise Problem(502, "Zalo returned a phone number that is not valid.", title="Bad Gateway") from exc
    resolution = run_in_transaction(db.session, lambda: capture.attach_verified_phone(db.session, uid, phone))
    return {"phone": phone, "customer": own_snapshot(db.session, resolution.customer)}


@blp.route("/forms/<slug>")
@blp.response(200, FormSchema)
def form_definition(slug):
    """The form to render: fields with type, labels (vi/en), required, options and rules."""
    form = get_form(db.session, slug)
    if form is None:
        raise Problem(404, f"No active form named {slug!r}.", title="Not Found")
    return export_form(form)


@blp.route("/forms/<slug>/submissions", methods=["POST"])
@blp.arguments(SubmissionRequest)
@blp.response(201, SubmissionResponse)
@blp.alt_response(200, schema=SubmissionResponse, description="Replay of an earlier request with the same Idempotency-Key")
@blp.alt_response(404, description="No such form")
@blp.doc(security=SESSION_SECURITY, parameters=[{
    "in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string", "maxLength": 255},
    "description": "Repeat a request safely: the same key and body give the same result and one submission"}])
def submit(body, slug):
    """Validate answers against the form, store the submission and upsert the profile."""
    uid = _session_uid()
    form = active_form_spec(db.session, slug)
    if form is None:
        raise Problem(404, f"No active form named {slug!r}.", title="Not Found")
    key = idempotency.check_key(request.headers.get("Idempotency-Key"))
    scope = f"submission:{uid}:{slug}"
    fingerprint = idempotency.request_fingerprint(body)
    if key and (stored := idempotency.stored_response(db.session, scope, key, fingerprint)):
        return stored[1], 200
    lang = preferred_language()

    def work():
        if key and (again := idempotency.stored_response(db.session, scope, key, fingerprint)):
            return again[1], 200
        try:
            submission, resolution = capture.submit_form(db.session, uid, form, body["values"], lang)
        except SubmissionInvalid as exc:
            raise ValidationProblem(exc.errors) from exc
        result = {"submission": _submission_view(submission, slug),
                  "customer": own_snapshot(db.session, resolution.customer, resolution.snapshot)}
        if key:
            idempotency.remember_response(db.session, scope, key, fingerprint, 201, result)
        return result, 201

    return run_in_transaction(db.session, work)


def _submission_view(submission: FormSubmission, slug: str) -> dict:
    return {"ref": submission.ref, "form": slug, "form_version": submission.form_version,
            "values": submission.values, "created_at": iso_utc(submission.created_at)}


@blp.route("/me")
@blp.response(200, MeResponse)
@blp.alt_response(401, description="No valid session")
@blp.doc(security=SESSION_SECURITY)
def me():
    """What the caller provided through this Zalo account: their own profile fields and submissions."""
    uid = _session_uid()
    return _me_view(uid, _customer_or_401(uid))


def _me_view(uid: str, customer) -> dict:
    rows = db.session.scalars(sa.select(FormSubmission).where(FormSubmission.submitted_by == uid)
                              .order_by(FormSubmission.id)).all()
    return {"customer": own_snapshot(db.session, customer),
            "submissions": [_submission_view(s, s.form.slug) for s in rows]}


@blp.route("/consent", methods=["POST"])
@blp.arguments(ConsentRequest)
@blp.response(200, MeResponse)
@blp.alt_response(401, description="No valid session")
@blp.doc(security=SESSION_SECURITY)
def set_consent(body):
    """Give or withdraw consent (e.g. to marketing messages); the history is kept."""
    uid = _session_uid()
    customer = _customer_or_401(uid)

    def work():
        record_consent(db.session, customer.id, body["purpose"], body["granted"], source="miniapp_api")
        publish_upsert(db.session, customer)

    run_in_transaction(db.session, work)
    return _me_view(uid, customer)
