"""`flask crm sync|status|dead-letters|recover`: run the engine now, see how it is doing (initial syncs included,
crm_sync/cli_initial_sync.py), handle dead letters, send what a connector missed."""
from __future__ import annotations

import datetime as dt

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from miniapp_api.extensions import db
from miniapp_api.models import Connector, Delivery, SyncRun
from miniapp_api.models.queue import DEAD, PENDING, PROCESSING

from miniapp_api import clock, queue
from . import initial_sync
from .cli_initial_sync import initial_sync_cli
from .engine import UnknownConnector, lag_seconds, sync_all, sync_connector
from miniapp_api.queue.heartbeat import Heartbeat
from .recovery import MAX_RANGE, recover
from .replay import replay_dead
from miniapp_api.worker import worker_id

crm_cli = AppGroup("crm", help="CRM sync: run now, status, dead letters.")
dead_cli = AppGroup("dead-letters", help="Deliveries that gave up: list, replay, discard.")
crm_cli.add_command(dead_cli)
crm_cli.add_command(initial_sync_cli)


def _run_line(run: SyncRun) -> str:
    return (f"{run.kind}: sent {run.sent}, failed {run.failed}, dead {run.dead}, lag {run.lag_seconds or 0:.0f}s"
            + (f" ({run.note})" if run.note else ""))


@crm_cli.command("sync")
@click.option("--connector", "name", help="Only this connector (default: every enabled one).")
def sync(name):
    """Run the sync now, the same pass the worker's schedule runs."""
    app = current_app._get_current_object()
    try:
        with Heartbeat(app, worker_id()):  # a long pass keeps its claims
            reports = [sync_connector(app, name)] if name else sync_all(app)
    except UnknownConnector as exc:
        raise click.ClickException(f"no connector named {exc}") from exc
    for report in reports:
        if report.skipped:
            click.echo(f"{report.connector}: skipped, {report.skipped}")
        for run in report.runs:
            click.echo(f"{report.connector} {_run_line(run)}")


@crm_cli.command("status")
def status():
    """Per connector: state, queue, dead letters, lag and the last runs."""
    for c in db.session.scalars(sa.select(Connector).order_by(Connector.name)).all():
        counts = dict(db.session.execute(sa.select(Delivery.status, sa.func.count()).where(
            Delivery.connector_id == c.id).group_by(Delivery.status)).all())
        state = "disabled" if not c.enabled else ("PAUSED" if c.paused_reason else "enabled")
        click.echo(f"{c.name} ({c.kind}) {state}: pending {counts.get(PENDING, 0) + counts.get(PROCESSING, 0)}, "
                   f"dead {counts.get(DEAD, 0)}, done {counts.get('done', 0)}, lag {lag_seconds(db.session, c.id):.0f}s")
        if c.paused_reason or c.disabled_reason:
            click.echo(f"  {c.paused_reason or c.disabled_reason}")
        for kind in ("push", "pull"):
            run = db.session.scalar(sa.select(SyncRun).where(SyncRun.connector_id == c.id, SyncRun.kind == kind)
                                    .order_by(SyncRun.id.desc()).limit(1))
            if run is not None:
                finished = f"{run.finished_at:%Y-%m-%d %H:%M:%S}Z" if run.finished_at else "still running"
                click.echo(f"  last {_run_line(run)}, started {run.started_at:%Y-%m-%d %H:%M:%S}Z, {finished}")
        if (first := initial_sync.current(db.session, c.id)) is not None:
            click.echo("  " + initial_sync.describe(initial_sync.progress(db.session, first, c.name)))


def _scope(ids, all_, name):
    """(ids or None, where) for the dead letters an operator named."""
    if not ids and not all_:
        raise click.UsageError("give delivery ids, or --all")
    where = None
    if name:
        connector_id = db.session.scalar(sa.select(Connector.id).where(Connector.name == name))
        if connector_id is None:
            raise click.ClickException(f"no connector named {name!r}")
        where = Delivery.connector_id == connector_id
    return (list(ids) if ids else None), where


@dead_cli.command("list")
@click.option("--connector", "name")
@click.option("--limit", type=int, default=100)
def dead_list(name, limit):
    """Dead deliveries, newest first, with the reason and what the remote answered."""
    query = (sa.select(Delivery, Connector.name).join(Connector).where(Delivery.status == DEAD)
             .order_by(Delivery.id.desc()).limit(limit))
    if name:
        query = query.where(Connector.name == name)
    rows = db.session.execute(query).all()
    for delivery, connector_name in rows:
        click.echo(f"{delivery.id}\t{connector_name}\t{delivery.event_type}\t{delivery.aggregate_id}\t"
                   f"attempts {delivery.attempts}\t{(delivery.last_error or '').splitlines()[0][:200]}")
    if not rows:
        click.echo("no dead letters")


def _dead_letter_action(command_name: str, verb: str, action):
    """A `dead-letters` subcommand taking ids, or --all (optionally of one --connector)."""

    @dead_cli.command(command_name)
    @click.argument("ids", nargs=-1, type=int)
    @click.option("--all", "all_", is_flag=True, help="Every dead delivery (of --connector, if given).")
    @click.option("--connector", "name")
    def command(ids, all_, name):
        ids, where = _scope(ids, all_, name)
        count, skipped = action(ids, where)
        db.session.commit()
        click.echo(f"{verb} {count} deliveries")
        for delivery_id, reason in sorted(skipped.items()):
            click.echo(f"skipped {delivery_id}: {reason}")

    command.__doc__ = action.__doc__
    return command


def _replay(ids, where) -> tuple[int, dict[int, str]]:
    """Queue dead deliveries again with fresh attempts; they go out at the next run.

    A customer snapshot brings the customer's current state: one older than a
    newer snapshot is skipped as superseded (listed with the reason), and the
    newer one is queued if it is not on its way already.
    """
    report = replay_dead(db.session, ids, where)
    return report.replayed, report.skipped


def _discard(ids, where) -> tuple[int, dict[int, str]]:
    """Give up on dead deliveries for good (they stay in the table as ignored)."""
    return queue.discard(db.session, Delivery, "discarded by an operator", ids, where), {}


@crm_cli.command("recover")
@click.argument("name")
@click.option("--since", required=True, type=click.DateTime(), help="UTC, e.g. 2026-12-01T00:00:00")
@click.option("--until", type=click.DateTime(), help="UTC (default: now)")
def recover_command(name, since, until):
    """Send a connector what it missed in a time range: its dead letters again, and events it never got."""
    since = since.replace(tzinfo=dt.timezone.utc)
    until = until.replace(tzinfo=dt.timezone.utc) if until else clock.now()
    connector = db.session.scalar(sa.select(Connector).where(Connector.name == name))
    if connector is None:
        raise click.ClickException(f"no connector named {name!r}")
    if not since < until or until - since > MAX_RANGE:
        raise click.ClickException(f"--since must come before --until, {MAX_RANGE.days} days at most")
    report = recover(db.session, connector, since, until)
    db.session.commit()
    click.echo(f"queued {report.replayed} deliveries for {name}")
    for delivery_id, reason in sorted(report.skipped.items()):
        click.echo(f"skipped {delivery_id}: {reason}")


_dead_letter_action("replay", "replayed", _replay)
_dead_letter_action("discard", "discarded", _discard)
