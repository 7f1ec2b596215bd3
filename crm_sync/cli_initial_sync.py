"""`flask crm initial-sync start|status|cancel|resume`: a connector's first sync of what existed before it."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from miniapp_api.extensions import db
from miniapp_api.models import Connector

from . import initial_sync
from .clients import client_for

initial_sync_cli = AppGroup("initial-sync", help="Link the CRM's customers, push every profile, pull order "
                                                 "history: once, when a CRM is connected.")


def _connector(name: str) -> Connector:
    connector = db.session.scalar(sa.select(Connector).where(Connector.name == name))
    if connector is None:
        raise click.ClickException(f"no connector named {name!r}")
    return connector


def _latest(connector: Connector):
    sync = initial_sync.current(db.session, connector.id)
    if sync is None:
        raise click.ClickException(f"{connector.name} has had no initial sync")
    return sync


@initial_sync_cli.command("start")
@click.argument("name")
@click.option("--phase", "phases", multiple=True, type=click.Choice(initial_sync.PHASES),
              help="link, push or orders (repeat for several; default: every one the connector can do).")
def start_command(name, phases):
    """Queue it; the worker runs it in pages within the remote's limits (watch it with `status`)."""
    connector = _connector(name)
    try:
        sync = initial_sync.start(db.session, connector, client_for(current_app, connector), list(phases) or None,
                                  started_by="cli")
    except initial_sync.CannotStart as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"initial sync #{sync.id} of {name} queued: {', '.join(sync.phases)}")


@initial_sync_cli.command("status")
@click.argument("name")
def status_command(name):
    """Where the latest initial sync stands: per phase done / total, rate and time left."""
    connector = _connector(name)
    click.echo(initial_sync.describe(initial_sync.progress(db.session, _latest(connector), name)))


@initial_sync_cli.command("cancel")
@click.argument("name")
def cancel_command(name):
    """Stop it for good (what it queued already is still sent)."""
    sync = _latest(_connector(name))
    if not initial_sync.cancel(db.session, sync, "cli"):
        raise click.ClickException(f"the initial sync of {name} is not running")
    db.session.commit()
    click.echo(f"initial sync #{sync.id} of {name} cancelled")


@initial_sync_cli.command("resume")
@click.argument("name")
def resume_command(name):
    """Run a failed initial sync again from where it stopped."""
    sync = _latest(_connector(name))
    if not initial_sync.resume(db.session, sync):
        raise click.ClickException(f"the initial sync of {name} has not failed")
    db.session.commit()
    click.echo(f"initial sync #{sync.id} of {name} resumed")
