"""`flask zns …`: the OA's ZNS templates and today's quota, for shop owners and operators."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .extensions import db
from .services.oa.tokens import OaNotConnected
from .services.zns import templates
from .zalo.http import ZaloError, ZaloUnavailable

zns_cli = AppGroup("zns", help="ZNS template messages: sync and list the OA's templates, show the quota.")


def _zalo(call):
    try:
        return call()
    except (ZaloError, ZaloUnavailable, OaNotConnected) as exc:
        raise click.ClickException(str(exc)) from exc


@zns_cli.command("sync")
def zns_sync():
    """Fetch the OA's templates and their parameters from Zalo."""
    counts = _zalo(lambda: templates.sync(db.session, current_app.extensions["zalo_zns"]))
    click.echo(f"templates: {counts['created']} new, {counts['updated']} updated, {counts['removed']} gone")


@zns_cli.command("list")
def zns_list():
    """One line per synced template: id, status, name, parameters."""
    for t in templates.all_templates(db.session):
        click.echo(f"{t.template_id}\t{t.status}\t{t.name}\t{','.join(p['name'] for p in t.params)}")


@zns_cli.command("quota")
def zns_quota():
    """Today's ZNS quota as Zalo reports it."""
    data = _zalo(lambda: current_app.extensions["zalo_zns"].quota())
    click.echo(f"daily {data.get('dailyQuota')}, remaining {data.get('remainingQuota')}")
