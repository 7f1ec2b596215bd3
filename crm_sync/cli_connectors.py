"""`flask connectors add|list|show|enable|disable|test`: connectors as data, managed by operators."""
from __future__ import annotations

import datetime as dt
import json
import os

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from miniapp_api.extensions import db
from miniapp_api.models import Connector

from .admin import InvalidConnector, save_connector, set_enabled
from .clients import build_client
from .connectors import available_kinds
from .connectors.base import RemoteRefused
from .credentials import decrypt_credentials
from .rotation import rotate_secret
from .schedule import BadSchedule

connectors_cli = AppGroup("connectors", help="CRM connectors: add, list, show, enable, disable, test.")


def _credential(text: str) -> tuple[str, str]:
    """`name=value`, or `name=env:VAR` to read the secret from the environment (kept out of shell history)."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise click.BadParameter(f"expected NAME=VALUE, got {text!r}")
    if value.startswith("env:"):
        value = os.environ.get(value[4:], "")
        if not value:
            raise click.BadParameter(f"environment variable {text.split('env:', 1)[1]} is empty")
    return name, value


def _get(name: str) -> Connector:
    connector = db.session.scalar(sa.select(Connector).where(Connector.name == name))
    if connector is None:
        raise click.ClickException(f"no connector named {name!r}")
    return connector


def _state(connector: Connector) -> str:
    if not connector.enabled:
        return "disabled"
    return "PAUSED" if connector.paused_reason else "enabled"


@connectors_cli.command("add")
@click.argument("name")
@click.option("--kind", type=click.Choice(available_kinds()), help="Connector kind (new connectors).")
@click.option("--url", "base_url", help="Base URL of the remote API (the endpoint, for webhooks).")
@click.option("--credential", "credentials", multiple=True, help="NAME=VALUE or NAME=env:VAR; repeatable.")
@click.option("--event", "events", multiple=True, help="Event type to deliver; repeatable (default: the kind's).")
@click.option("--schedule", help="'immediate', 'every 30s', 'every 5m' or a cron line in Asia/Ho_Chi_Minh time.")
@click.option("--batch-size", type=int, help="Deliveries claimed, coalesced and sent per pass.")
@click.option("--batch-calls/--single-calls", default=None, help="Use the remote's batch endpoint (if any).")
@click.option("--rate-limit", "rate_limit_per_second", type=float, help="Requests per second (0: unlimited).")
@click.option("--mapping", "field_mapping", help="JSON object: remote field → dotted path in our customer.")
@click.option("--pull-orders/--no-pull-orders", default=None)
@click.option("--timeout", nargs=2, type=float, help="Connect and read timeouts in seconds.")
@click.option("--retry-schedule", help="This connector's retry delays in seconds, e.g. '10,60,600' ('' : the default).")
def add(name, kind, base_url, credentials, events, schedule, batch_size, batch_calls, rate_limit_per_second,
        field_mapping, pull_orders, timeout, retry_schedule):
    """Create a connector, or update the given settings of an existing one (safe to repeat)."""
    try:
        mapping = json.loads(field_mapping) if field_mapping else None
        connector, created = save_connector(
            db.session, current_app.config["SECRET_KEY"], name, kind,
            credentials=dict(_credential(c) for c in credentials), base_url=base_url,
            events=list(events) or None, schedule=schedule, batch_size=batch_size, batch_calls=batch_calls,
            rate_limit_per_second=rate_limit_per_second, field_mapping=mapping, pull_orders=pull_orders,
            connect_timeout=timeout[0] if timeout else None, read_timeout=timeout[1] if timeout else None,
            retry_schedule=retry_schedule)
        db.session.commit()
    except (InvalidConnector, BadSchedule, json.JSONDecodeError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{'added' if created else 'updated'} {connector.name} ({connector.kind} → {connector.base_url})")


@connectors_cli.command("list")
def list_connectors():
    """One line per connector: name, kind, state, schedule, events, URL."""
    for c in db.session.scalars(sa.select(Connector).order_by(Connector.name)):
        click.echo(f"{c.name}\t{c.kind}\t{_state(c)}\t{c.schedule}\t{','.join(c.events)}\t{c.base_url}")


@connectors_cli.command("show")
@click.argument("name")
def show(name):
    """Every setting of a connector; credentials by name only, never their values."""
    c = _get(name)
    names = sorted(decrypt_credentials(current_app.config["SECRET_KEY"], c.credentials_encrypted))
    for label, value in (("name", c.name), ("kind", c.kind), ("url", c.base_url), ("state", _state(c)),
                         ("paused reason", c.paused_reason or "-"), ("off because", c.disabled_reason or "-"),
                         ("events", ", ".join(c.events)), ("retries", c.retry_schedule or "(default)"),
                         ("schedule", c.schedule),
                         ("batch", f"{c.batch_size} per pass, {'batch' if c.batch_calls else 'single'} calls"),
                         ("rate limit", f"{c.rate_limit_per_second:g}/s"),
                         ("timeouts", f"connect {c.connect_timeout:g}s, read {c.read_timeout:g}s"),
                         ("pull orders", "yes" if c.pull_orders else "no"),
                         ("field mapping", json.dumps(c.field_mapping, ensure_ascii=False) if c.field_mapping
                          else "(kind default)"),
                         ("credentials", ", ".join(f"{n}=***" for n in names) or "-")):
        click.echo(f"{label:>14}: {value}")


@connectors_cli.command("disable")
@click.argument("name")
def disable(name):
    """Stop delivering to a connector (events raised meanwhile are not queued for it)."""
    _toggle(name, False)


@connectors_cli.command("enable")
@click.argument("name")
def enable(name):
    """Deliver to a connector again; also lifts a pause after an auth failure."""
    _toggle(name, True)


def _toggle(name: str, enabled: bool) -> None:
    try:
        connector = set_enabled(db.session, name, enabled)
        db.session.commit()
    except InvalidConnector as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{connector.name} {_state(connector)}")


@connectors_cli.command("rotate-secret")
@click.argument("name")
def rotate(name):
    """Give a connector a new webhook secret (printed once); the old one signs beside it for the overlap."""
    overlap = dt.timedelta(hours=current_app.config["CRM_SECRET_ROTATION_OVERLAP_HOURS"])
    try:
        secret, until = rotate_secret(db.session, current_app.config["SECRET_KEY"], name, overlap)
        db.session.commit()
    except InvalidConnector as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"new secret: {secret}\nthe old one stays valid until {until:%Y-%m-%d %H:%M} UTC")


@connectors_cli.command("test")
@click.argument("name")
def test(name):
    """Call the remote once with the stored credentials and say what it answered."""
    connector = _get(name)
    client = build_client(current_app.config["SECRET_KEY"], connector)
    db.session.commit()
    try:
        click.echo(client.check())
    except RemoteRefused as exc:
        raise click.ClickException(f"{name}: {exc}") from exc
    finally:
        client.http.close()
