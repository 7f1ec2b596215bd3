"""`flask zalo …` (OA tokens and connection) and `flask rules …` (automatic replies)."""
from __future__ import annotations

import json

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from .extensions import db
from .models import AutoReplyRule
from .services.oa.auto_reply import RuleInvalid, export_rule, save_rule
from .services.oa.backfill import queue_on_connect
from .services.oa.connect import connect_ticket
from .zalo.oauth import TokenPair

zalo_cli = AppGroup("zalo", help="The Zalo Official Account: tokens and connection.")
rules_cli = AppGroup("rules", help="Automatic reply rules: list, add, import and export as JSON.")


@zalo_cli.command("set-token")
@click.option("--access-token", prompt=True, hide_input=True, help="OA access token (e.g. from the API Explorer)")
@click.option("--refresh-token", prompt=True, hide_input=True, help="OA refresh token")
@click.option("--expires-in", default=90000, show_default=True, help="Seconds the access token is still valid")
def set_token(access_token, refresh_token, expires_in):
    """Seed the OA token pair (stored encrypted; never printed)."""
    version = current_app.extensions["oa_tokens"].save_pair(
        TokenPair(access_token.strip(), refresh_token.strip(), int(expires_in)), source="cli")
    click.echo(f"OA token stored (version {version})")


@zalo_cli.command("token-status")
def token_status():
    """Show whether the OA is connected, when its token expires (not the token itself) and whether sending is paused."""
    click.echo(json.dumps(current_app.extensions["oa_tokens"].status(), indent=2))


@zalo_cli.command("backfill")
def backfill():
    """Import the OA's tags and recent conversations again (connecting through OAuth does it by itself)."""
    run = queue_on_connect(db.session)
    db.session.commit()
    click.echo(f"queued: the worker imports the OA's tags and recent conversations (run {run})")


@zalo_cli.command("resume")
def resume():
    """Resume OA sending after fixing what paused it (token-status shows the reason); queued messages go out."""
    from .services.oa import channel

    resumed = channel.resume(db.session, str(current_app.config.get("ZALO_OA_ID") or ""), "cli")
    db.session.commit()
    click.echo("OA sending resumed" if resumed else "OA sending was not paused")


@zalo_cli.command("connect-url")
def connect_url():
    """Print a 30-minute link that connects the OA through Zalo's consent page."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    click.echo(f"{base}/oauth/zalo/start?ticket={connect_ticket(current_app.config['SECRET_KEY'])}")


@rules_cli.command("list")
def rules_list():
    """One line per rule, in the order they are tried."""
    for rule in db.session.scalars(sa.select(AutoReplyRule).order_by(AutoReplyRule.priority, AutoReplyRule.id)):
        actions = [a for a, on in (("reply", rule.reply_text), ("form", rule.send_form_link),
                                   ("info-request", rule.send_info_request), ("handover", rule.handover)) if on]
        state = "active" if rule.active else "inactive"
        click.echo(f"{rule.priority}\t{rule.name}\t{rule.match_type}:{rule.pattern}\t{'+'.join(actions)}\t{state}"
                   + (f"\t{rule.business_hours}" if rule.business_hours else ""))


def _upsert(data: dict) -> bool:
    return save_rule(db.session, data)[1]


@rules_cli.command("add")
@click.option("--name", required=True)
@click.option("--match", "match_type", type=click.Choice(["contains", "exact", "regex"]), default="contains")
@click.option("--pattern", required=True)
@click.option("--priority", default=100, show_default=True)
@click.option("--reply", "reply_text")
@click.option("--form-link/--no-form-link", "send_form_link", default=False, help="Append the Mini App form link")
@click.option("--info-request/--no-info-request", "send_info_request", default=False,
              help="Also send Zalo's request_user_info card (name, phone, address)")
@click.option("--handover/--no-handover", default=False, help="Mark the conversation as waiting for staff")
@click.option("--hours", "business_hours", help="e.g. 'mon-sat 08:00-21:00' (Asia/Ho_Chi_Minh)")
@click.option("--out-of-hours", "out_of_hours_text", help="Reply outside business hours")
def rules_add(**options):
    """Create or replace one rule."""
    try:
        created = _upsert(options)
        db.session.commit()
    except RuleInvalid as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{'created' if created else 'updated'} {options['name']}")


@rules_cli.command("export")
def rules_export():
    """Print every rule as a JSON list (to edit, or to move to another shop)."""
    rules = db.session.scalars(sa.select(AutoReplyRule).order_by(AutoReplyRule.priority, AutoReplyRule.id))
    click.echo(json.dumps([export_rule(r) for r in rules], ensure_ascii=False, indent=2))


@rules_cli.command("import")
@click.argument("source", type=click.File("r", encoding="utf-8"))
def rules_import(source):
    """Create or replace rules from a JSON list (`-` reads standard input); all or nothing."""
    try:
        rules = json.load(source)
        if not isinstance(rules, list):
            raise RuleInvalid("expected a JSON list of rules")
        outcomes = [_upsert(rule if isinstance(rule, dict) else {}) for rule in rules]
        db.session.commit()
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"not JSON: {exc}") from exc
    except RuleInvalid as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"imported {len(outcomes)} rules ({sum(outcomes)} new)")
