"""`/api/v1/admin/sync`: what the `flask connectors` and `flask crm` commands do, for the console and integrators.

Owners, admins and viewers read connectors' health and dead letters; owners and admins replay or discard dead
letters; owners add, edit, enable, disable and test connectors (their credentials are write-only).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_smorest import Blueprint

from miniapp_api import clock, queue
from miniapp_api.api.admin.access import STAFF_SECURITY, current, require
from miniapp_api.errors import Problem, ValidationProblem
from miniapp_api.extensions import db
from miniapp_api.models import Connector, Delivery, SyncRun
from miniapp_api.models.queue import DEAD, DONE, PENDING, PROCESSING
from miniapp_api.models.staff import ADMIN, OWNER, VIEWER
from miniapp_api.services import audit
from miniapp_api.services.transactions import run_in_transaction

from .admin import InvalidConnector, save_connector, set_enabled
from .api_schemas import (ActionResult, ConnectorCreate, ConnectorSchema, ConnectorSettings, DeadLetterAction,
    DeadLetterQuery, DeadLetterSchema, InitialSyncProgress, InitialSyncStart, RecoverRange, RotatedSecret, TestResult)
from . import initial_sync
from .clients import build_client, client_for
from .connectors.base import RemoteRefused
from .credentials import decrypt_credentials
from .engine import lag_seconds
from .recovery import MAX_RANGE, recover
from .replay import replay_dead
from .rotation import rotate_secret
from .schedule import BadSchedule

blp = Blueprint("admin_sync", __name__, url_prefix="/api/v1/admin/sync", description="CRM sync (connectors)")
READERS, MANAGERS = (OWNER, ADMIN, VIEWER), (OWNER, ADMIN)
LAST_RUNS = 10


def _connector(name: str) -> Connector:
    connector = db.session.scalar(sa.select(Connector).where(Connector.name == name))
    if connector is None:
        raise Problem(404, f"No connector named {name}.", title="Not Found", detail_vi=f"Không có kết nối {name}.")
    return connector


def _view(connector: Connector) -> dict:
    counts = dict(db.session.execute(sa.select(Delivery.status, sa.func.count()).where(
        Delivery.connector_id == connector.id).group_by(Delivery.status)).all())
    runs = db.session.scalars(sa.select(SyncRun).where(SyncRun.connector_id == connector.id)
                              .order_by(SyncRun.id.desc()).limit(LAST_RUNS)).all()
    last_push = next((run for run in runs if run.kind == "push" and run.finished_at is not None), None)
    health = ("disabled" if not connector.enabled else "paused" if connector.paused_reason
              else "failing" if last_push is not None and (last_push.failed or last_push.dead) else "healthy")
    names = sorted(decrypt_credentials(current_app.config["SECRET_KEY"], connector.credentials_encrypted))
    settings = {name: getattr(connector, name) for name in ("name", "kind", "base_url", "events", "schedule",
                                                            "batch_size", "batch_calls", "rate_limit_per_second",
                                                            "pull_orders", "enabled", "paused_reason",
                                                            "retry_schedule", "disabled_reason", "failing_since")}
    return {**settings, "health": health, "credential_names": names,
            "pending": counts.get(PENDING, 0) + counts.get(PROCESSING, 0), "dead": counts.get(DEAD, 0),
            "delivered": counts.get(DONE, 0), "lag_seconds": lag_seconds(db.session, connector.id),
            "last_runs": runs}


def _saved(name: str, kind: str | None, body: dict) -> dict:
    if "retry_schedule" in body and body["retry_schedule"] is None:
        body["retry_schedule"] = ""  # back to CRM_RETRY_SCHEDULE (None would mean "unchanged")

    def work():
        connector, created = save_connector(db.session, current_app.config["SECRET_KEY"], name, kind,
                                            credentials=body.pop("credentials", None), **body)
        audit.record(db.session, "connector.create" if created else "connector.update", "connector", connector.name,
                     changed=sorted(body))  # credential names and values are not recorded
        return connector

    try:
        return _view(run_in_transaction(db.session, work, attempts=1))
    except (InvalidConnector, BadSchedule) as exc:
        db.session.rollback()
        field = ("schedule" if isinstance(exc, BadSchedule) else "credentials" if "credentials" in str(exc)
                 else "retry_schedule" if "retry schedule" in str(exc) else "kind")
        raise ValidationProblem({field: [str(exc)]}) from exc


@blp.route("/connectors")
@require(roles=READERS)
@blp.response(200, ConnectorSchema(many=True))
@blp.doc(security=STAFF_SECURITY)
def list_connectors():
    """Every connector with its health, queue, lag and last runs."""
    return [_view(c) for c in db.session.scalars(sa.select(Connector).order_by(Connector.name))]


@blp.route("/connectors", methods=["POST"])
@require(roles=(OWNER,))
@blp.arguments(ConnectorCreate)
@blp.response(201, ConnectorSchema)
@blp.alt_response(409, description="A connector has that name")
@blp.doc(security=STAFF_SECURITY)
def create_connector(body):
    """Add a connector (its kind's default events unless given); the kind's required credentials are needed."""
    name, kind = body.pop("name"), body.pop("kind")
    if db.session.scalar(sa.select(Connector.id).where(Connector.name == name)) is not None:
        raise Problem(409, f"A connector named {name} exists.", title="Conflict",
                      detail_vi=f"Đã có kết nối tên {name}.")
    return _saved(name, kind, body)


@blp.route("/connectors/<name>", methods=["PATCH"])
@require(roles=(OWNER,))
@blp.arguments(ConnectorSettings)
@blp.response(200, ConnectorSchema)
@blp.doc(security=STAFF_SECURITY)
def update_connector(body, name):
    """Change the settings given; credentials given replace those of the same name, others stay."""
    return _saved(_connector(name).name, None, body)


def _toggle(name: str, enabled: bool) -> dict:
    def work():
        connector = set_enabled(db.session, _connector(name).name, enabled)
        audit.record(db.session, "connector.enable" if enabled else "connector.disable", "connector", name)
        return connector

    return _view(run_in_transaction(db.session, work))


@blp.route("/connectors/<name>/enable", methods=["POST"])
@require(roles=(OWNER,))
@blp.response(200, ConnectorSchema)
@blp.doc(security=STAFF_SECURITY)
def enable_connector(name):
    """Deliver again; also lifts a pause after the remote refused our credentials."""
    return _toggle(name, True)


@blp.route("/connectors/<name>/disable", methods=["POST"])
@require(roles=(OWNER,))
@blp.response(200, ConnectorSchema)
@blp.doc(security=STAFF_SECURITY)
def disable_connector(name):
    """Stop delivering (events raised meanwhile are not queued for it)."""
    return _toggle(name, False)


@blp.route("/connectors/<name>/test", methods=["POST"])
@require(roles=(OWNER,))
@blp.response(200, TestResult)
@blp.doc(security=STAFF_SECURITY)
def test_connector(name):
    """Call the remote once with the stored credentials; `ok` and what it answered (a refusal is an answer)."""
    client = build_client(current_app.config["SECRET_KEY"], _connector(name))
    db.session.commit()
    try:
        return {"ok": True, "answer": client.check()}
    except RemoteRefused as exc:
        return {"ok": False, "answer": str(exc)}
    finally:
        client.http.close()


@blp.route("/connectors/<name>/rotate-secret", methods=["POST"])
@require(roles=(OWNER,))
@blp.response(200, RotatedSecret)
@blp.alt_response(409, description="This kind of connector has no webhook secret")
@blp.doc(security=STAFF_SECURITY)
def rotate_connector_secret(name):
    """A new webhook secret, shown this once; the old one keeps signing beside it for the overlap."""
    overlap = dt.timedelta(hours=current_app.config["CRM_SECRET_ROTATION_OVERLAP_HOURS"])

    def work():
        secret, until = rotate_secret(db.session, current_app.config["SECRET_KEY"], _connector(name).name, overlap)
        audit.record(db.session, "connector.rotate_secret", "connector", name,
                     previous_valid_until=clock.iso_utc(until))
        return {"secret": secret, "previous_valid_until": until}

    try:
        return run_in_transaction(db.session, work, attempts=1)
    except InvalidConnector as exc:
        raise Problem(409, str(exc), title="Conflict") from exc


@blp.route("/connectors/<name>/recover", methods=["POST"])
@require(roles=MANAGERS)
@blp.arguments(RecoverRange)
@blp.response(200, ActionResult)
@blp.doc(security=STAFF_SECURITY)
def recover_connector(body, name):
    """Send what the connector missed between `since` and `until` (default now): dead letters again, and the
    events it never got while it was off."""
    since, until = body["since"], body.get("until") or clock.now()
    if not since < until or until - since > MAX_RANGE:
        raise ValidationProblem({"since": [f"A range that starts before it ends, {MAX_RANGE.days} days at most."]})

    def work():
        report = recover(db.session, _connector(name), since, until)
        audit.record(db.session, "sync.recover", "connector", name, since=clock.iso_utc(since),
                     until=clock.iso_utc(until), count=report.replayed)
        return {"count": report.replayed, "skipped": {str(k): v for k, v in report.skipped.items()}}

    return run_in_transaction(db.session, work)


def _latest_sync(connector: Connector):
    sync = initial_sync.current(db.session, connector.id)
    if sync is None:
        raise Problem(404, f"{connector.name} has had no initial sync.", title="Not Found",
                      detail_vi=f"Kết nối {connector.name} chưa đồng bộ lần đầu.")
    return sync


@blp.route("/connectors/<name>/initial-sync")
@require(roles=READERS)
@blp.response(200, InitialSyncProgress)
@blp.doc(security=STAFF_SECURITY)
def get_initial_sync(name):
    """The connector's latest initial sync: per phase done / total, records a second and time left."""
    connector = _connector(name)
    return initial_sync.progress(db.session, _latest_sync(connector), connector.name)


@blp.route("/connectors/<name>/initial-sync", methods=["POST"])
@require(roles=(OWNER,))
@blp.arguments(InitialSyncStart)
@blp.response(202, InitialSyncProgress)
@blp.alt_response(409, description="An initial sync of this connector is running already")
@blp.doc(security=STAFF_SECURITY)
def start_initial_sync(body, name):
    """Sync what existed before the connector: link the CRM's customers to profiles, push every profile, pull
    order history; the worker runs it in pages, resumably, within the remote's limits."""
    def work():
        connector = _connector(name)
        try:
            sync = initial_sync.start(db.session, connector, client_for(current_app, connector),
                                      body.get("phases"), started_by=current().label)
        except initial_sync.CannotStart as exc:
            if exc.conflict:
                raise Problem(409, str(exc), title="Conflict") from exc
            raise ValidationProblem({"phases": [str(exc)]}) from exc
        db.session.flush()
        audit.record(db.session, "sync.initial_sync", "connector", name, phases=list(sync.phases))
        return sync, connector.name

    sync, connector_name = run_in_transaction(db.session, work, attempts=1)
    return initial_sync.progress(db.session, sync, connector_name)


def _on_initial_sync(name: str, verb: str, act) -> dict:
    def work():
        connector = _connector(name)
        sync = _latest_sync(connector)
        if not act(sync):
            raise Problem(409, f"The initial sync of {name} cannot {verb} now (it is {sync.status}).",
                          title="Conflict")
        audit.record(db.session, f"sync.initial_sync_{verb}", "connector", name, sync=sync.id)
        return initial_sync.progress(db.session, sync, connector.name)

    return run_in_transaction(db.session, work, attempts=1)


@blp.route("/connectors/<name>/initial-sync/cancel", methods=["POST"])
@require(roles=MANAGERS)
@blp.response(200, InitialSyncProgress)
@blp.alt_response(409, description="It is not running")
@blp.doc(security=STAFF_SECURITY)
def cancel_initial_sync(name):
    """Stop the running initial sync for good (what it queued already is still sent)."""
    return _on_initial_sync(name, "cancel", lambda sync: initial_sync.cancel(db.session, sync, current().label))


@blp.route("/connectors/<name>/initial-sync/resume", methods=["POST"])
@require(roles=MANAGERS)
@blp.response(200, InitialSyncProgress)
@blp.alt_response(409, description="It has not failed")
@blp.doc(security=STAFF_SECURITY)
def resume_initial_sync(name):
    """Run a failed initial sync again from where it stopped."""
    return _on_initial_sync(name, "resume", lambda sync: initial_sync.resume(db.session, sync))


@blp.route("/dead-letters")
@require(roles=READERS)
@blp.arguments(DeadLetterQuery, location="query")
@blp.response(200, DeadLetterSchema(many=True))
@blp.doc(security=STAFF_SECURITY)
def list_dead_letters(query):
    """Deliveries that gave up, newest first, with why and what the receiver answered."""
    statement = (sa.select(Delivery, Connector.name).join(Connector).where(Delivery.status == DEAD)
                 .order_by(Delivery.id.desc()).limit(query["limit"]))
    if "connector" in query:
        statement = statement.where(Connector.name == query["connector"])
    return [{**{k: getattr(d, k) for k in ("id", "event_type", "aggregate_id", "attempts", "last_error",
                                              "response_body", "created_at", "finished_at")}, "connector": name}
            for d, name in db.session.execute(statement)]


def _on_dead_letters(body: dict, verb: str, act) -> dict:
    """Run `act(ids, where)` → (count, skipped) on the dead letters `body` names, audited as `sync.<verb>`."""
    def work():
        if not body.get("ids") and not body["all"]:
            raise ValidationProblem({"ids": ["Give delivery ids, or all: true."]})
        where = Delivery.connector_id == _connector(body["connector"]).id if body.get("connector") else None
        count, skipped = act(body.get("ids"), where)
        audit.record(db.session, f"sync.{verb}", "delivery", None, ids=body.get("ids"), all=body["all"], count=count)
        return {"count": count, "skipped": {str(k): v for k, v in skipped.items()}}

    return run_in_transaction(db.session, work)


def _replay(ids, where) -> tuple[int, dict]:
    report = replay_dead(db.session, ids, where)
    return report.replayed, report.skipped


@blp.route("/dead-letters/replay", methods=["POST"])
@require(roles=MANAGERS)
@blp.arguments(DeadLetterAction)
@blp.response(200, ActionResult)
@blp.doc(security=STAFF_SECURITY)
def replay_dead_letters(body):
    """Queue dead letters again; a customer's older snapshot is skipped as superseded by the newer one."""
    return _on_dead_letters(body, "replay", _replay)


@blp.route("/dead-letters/discard", methods=["POST"])
@require(roles=MANAGERS)
@blp.arguments(DeadLetterAction)
@blp.response(200, ActionResult)
@blp.doc(security=STAFF_SECURITY)
def discard_dead_letters(body):
    """Give up on dead letters for good (kept, marked ignored)."""
    return _on_dead_letters(body, "discard", lambda ids, where: (
        queue.discard(db.session, Delivery, "discarded by an operator", ids, where), {}))
