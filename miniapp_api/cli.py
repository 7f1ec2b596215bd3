"""`flask` commands for shop owners and operators."""
from __future__ import annotations

import json
import sys

import click
import marshmallow as ma
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from .extensions import db
from .models import Form
from .services.forms.definitions import export_form, import_form, seed_default_form

forms_cli = AppGroup("forms", help="Shop forms: list, export and import definitions as JSON.")


@forms_cli.command("list")
def forms_list():
    """One line per form: slug, version, active, title."""
    for form in db.session.scalars(sa.select(Form).order_by(Form.slug)):
        state = "active" if form.active else "inactive"
        click.echo(f"{form.slug}\tv{form.version}\t{state}\t{form.title.get('vi', '')}")


@forms_cli.command("export")
@click.argument("slug")
def forms_export(slug):
    """Print a form definition as JSON (to edit it, or move it to another shop)."""
    form = db.session.scalar(sa.select(Form).where(Form.slug == slug))
    if form is None:
        raise click.ClickException(f"no form named {slug!r}")
    click.echo(json.dumps(export_form(form), ensure_ascii=False, indent=2))


@forms_cli.command("import")
@click.argument("source", type=click.File("r", encoding="utf-8"))
def forms_import(source):
    """Create or replace a form from a JSON file (`-` reads standard input)."""
    try:
        definition = json.load(source)
        form, created = import_form(db.session, definition)
        db.session.commit()
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"not JSON: {exc}") from exc
    except ma.ValidationError as exc:
        db.session.rollback()
        raise click.ClickException("invalid form definition: " + json.dumps(exc.messages, ensure_ascii=False)) from exc
    click.echo(f"{'created' if created else 'updated'} {form.slug} v{form.version}")


@forms_cli.command("seed")
def forms_seed():
    """Create the default `lien-he` contact form if it does not exist yet."""
    form = seed_default_form(db.session)
    db.session.commit()
    click.echo(f"seeded {form.slug}" if form else "lien-he already present", file=sys.stderr)


@click.command("worker")
def worker_command():
    """Run the scheduler process (sync, retries, housekeeping). Never inside gunicorn."""
    from flask import current_app

    from .worker import run_worker

    run_worker(current_app._get_current_object())


def init_app(app: Flask) -> None:
    from .cli_oa import rules_cli, zalo_cli
    from .cli_zns import zns_cli
    from .cli_campaigns import campaigns_cli
    from .cli_journeys import journeys_cli
    from .cli_staff import staff_cli

    app.cli.add_command(forms_cli)
    app.cli.add_command(zalo_cli)
    app.cli.add_command(rules_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(staff_cli)
    app.cli.add_command(zns_cli)
    app.cli.add_command(campaigns_cli)
    app.cli.add_command(journeys_cli)
