"""The CRM sync as the staff API shows it: connectors with their health, dead letters, what replay did."""
from __future__ import annotations

from marshmallow import fields, validate

from miniapp_api.schemas.base import Schema
from miniapp_api.schemas.ids import row_id

from .connectors import available_kinds

NAME = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,63}$", error="1–64 lower-case letters, digits, - or _.")
HEALTH = ("healthy", "paused", "failing", "disabled")


class RunSchema(Schema):
    kind = fields.String(metadata={"description": "push (our deliveries) or pull (orders fetched)"})
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    sent = fields.Integer()
    failed = fields.Integer()
    dead = fields.Integer()
    lag_seconds = fields.Float(allow_none=True)
    note = fields.String(allow_none=True)


class ConnectorSettings(Schema):
    """What an owner sets; credentials are write-only (merged into the stored ones, never shown back)."""

    base_url = fields.Url(require_tld=False, validate=validate.Length(max=500))
    credentials = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)),
                              values=fields.String(validate=validate.Length(min=1, max=2000)), load_only=True,
                              metadata={"description": "Write-only: merged into the stored credentials"})
    events = fields.List(fields.String(validate=validate.Length(min=1, max=64)), validate=validate.Length(max=20))
    schedule = fields.String(validate=validate.Length(min=1, max=100),
                             metadata={"description": "immediate, every 30s, every 5m, or a cron line (Vietnam time)"})
    batch_size = fields.Integer(validate=validate.Range(min=1, max=1000))
    batch_calls = fields.Boolean()
    rate_limit_per_second = fields.Float(validate=validate.Range(min=0, max=1000))
    pull_orders = fields.Boolean()
    retry_schedule = fields.String(allow_none=True, validate=validate.Length(min=1, max=200), metadata={
        "description": "This connector's retry delays in seconds, comma-separated (null: CRM_RETRY_SCHEDULE)"})


class ConnectorCreate(ConnectorSettings):
    name = fields.String(required=True, validate=NAME)
    kind = fields.String(required=True, validate=validate.OneOf(available_kinds()))
    base_url = fields.Url(require_tld=False, required=True, validate=validate.Length(max=500))


class ConnectorSchema(ConnectorCreate):
    health = fields.String(validate=validate.OneOf(HEALTH), metadata={
        "description": "disabled; paused (the remote refused our credentials: `paused_reason`); failing (the last "
                       "push run failed deliveries); healthy"})
    enabled = fields.Boolean()
    paused_reason = fields.String(allow_none=True)
    disabled_reason = fields.String(allow_none=True, metadata={
        "description": "Why it was turned off automatically (every push failing for too long)"})
    failing_since = fields.DateTime(allow_none=True, metadata={"description": "Pushes failing with no success since"})
    credential_names = fields.List(fields.String(), metadata={"description": "Names only, never values"})
    pending = fields.Integer()
    dead = fields.Integer()
    delivered = fields.Integer()
    lag_seconds = fields.Float(metadata={"description": "Age of the oldest delivery not yet settled"})
    last_runs = fields.List(fields.Nested(RunSchema), metadata={"description": "Newest first, up to 10"})


class TestResult(Schema):
    ok = fields.Boolean()
    answer = fields.String(metadata={"description": "What the remote answered, as a sentence"})


class DeadLetterQuery(Schema):
    connector = fields.String(validate=NAME)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class DeadLetterSchema(Schema):
    id = fields.Integer()
    connector = fields.String()
    event_type = fields.String()
    aggregate_id = fields.String(metadata={"description": "The customer ref or order the delivery is about"})
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True, metadata={"description": "Why it gave up"})
    response_body = fields.String(allow_none=True, metadata={"description": "What the receiver answered"})
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class DeadLetterAction(Schema):
    ids = fields.List(row_id(), validate=validate.Length(min=1, max=1000))
    all = fields.Boolean(load_default=False, metadata={"description": "Every dead letter (of `connector`)"})
    connector = fields.String(validate=NAME)


class RotatedSecret(Schema):
    secret = fields.String(metadata={"description": "The new `whsec_…` secret: shown this once, never again"})
    previous_valid_until = fields.DateTime(metadata={"description": "The old secret signs beside it until then"})


class RecoverRange(Schema):
    since = fields.AwareDateTime(required=True, metadata={"description": "Events from this time (with its zone)"})
    until = fields.AwareDateTime(metadata={"description": "… up to this time (default: now)"})


class ActionResult(Schema):
    count = fields.Integer(metadata={"description": "Replayed or discarded"})
    skipped = fields.Dict(keys=fields.String(), values=fields.String(),
                          metadata={"description": "Delivery id → why it was not replayed (superseded, …)"})


class InitialSyncStart(Schema):
    phases = fields.List(fields.String(validate=validate.OneOf(("link", "push", "orders"))),
                         validate=validate.Length(min=1, max=3),
                         metadata={"description": "Any of `link` (pull the CRM's customers and link them to "
                                                  "profiles), `push` (every profile to the CRM), `orders` (order "
                                                  "history); they run in that order. Default: every one the "
                                                  "connector's kind can do"})


class PhaseProgress(Schema):
    phase = fields.String(metadata={"description": "link, push or orders"})
    state = fields.String(metadata={"description": "waiting, running, done, or stopped (the sync failed or was "
                                                     "cancelled there)"})
    done = fields.Integer(metadata={"description": "Records handled (push: delivered or given up)"})
    total = fields.Integer(allow_none=True, metadata={"description": "How many there are, when known"})
    rate_per_second = fields.Float(allow_none=True, metadata={"description": "Records a second in this phase"})
    eta_seconds = fields.Integer(allow_none=True, metadata={"description": "Time left at that rate, when known"})
    counts = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={
        "description": "link: how records were linked (by_crm_id, by_ref, by_phone, created, skipped); push: "
                       "queued, current (had its latest snapshot already), failed"})


class InitialSyncProgress(Schema):
    id = fields.Integer()
    connector = fields.String()
    status = fields.String(metadata={"description": "running, done, failed (resumable) or cancelled"})
    phase = fields.String(metadata={"description": "The phase running now (done when finished)"})
    phases = fields.List(fields.Nested(PhaseProgress))
    started_by = fields.String(allow_none=True)
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True, metadata={"description": "Why it failed, was cancelled, or waits"})
