"""`flask journeys …`: the journey actions of the API, for operators at a terminal (docs/campaigns.md)."""
from __future__ import annotations

import json

import click
import marshmallow as ma
from flask.cli import AppGroup

from .extensions import db
from .models import Journey
from .schemas.journeys import JourneyCreate
from .services import audit
from .services.journeys import control
from .services.journeys.definitions import JourneyError

journeys_cli = AppGroup("journeys", help="Journeys: list, create from a JSON file, show, activate, pause, archive.")


def _journey(journey_id: int) -> Journey:
    journey = db.session.get(Journey, journey_id)
    if journey is None:
        raise click.ClickException(f"no journey {journey_id}")
    return journey


def _done(journey: Journey, action: str) -> None:
    db.session.flush()
    audit.record(db.session, f"journey.{action}", "journey", journey.id, status=journey.status)
    db.session.commit()


@journeys_cli.command("list")
def journeys_list():
    """One line per journey: id, status, trigger kind, name."""
    for journey in db.session.query(Journey).order_by(Journey.id.desc()):
        click.echo(f"{journey.id}\t{journey.status}\t{journey.trigger.get('kind')}\t{journey.name}")


@journeys_cli.command("create")
@click.argument("definition", type=click.File("r", encoding="utf-8"))
def journeys_create(definition):
    """A draft journey from a JSON file shaped as the API's POST /api/v1/admin/journeys body."""
    try:
        journey = control.create(db.session, JourneyCreate().load(json.load(definition)), None)
    except (ValueError, ma.ValidationError, JourneyError) as exc:
        db.session.rollback()
        raise click.ClickException(str(getattr(exc, "messages", exc))) from exc
    _done(journey, "create")
    click.echo(f"journey {journey.id} created (draft): activate it with `flask journeys activate {journey.id}`")


@journeys_cli.command("show")
@click.argument("journey_id", type=int)
def journeys_show(journey_id):
    """Who entered, who is inside at which step, and how each step's runs ended."""
    found = control.detail(db.session, _journey(journey_id))
    click.echo(f"{found['name']} ({found['status']}): entered {found['entered']}, "
               + ", ".join(f"{k} {v}" for k, v in sorted(found["by_status"].items())))
    for reason, count in sorted(found["exits"].items()):
        click.echo(f"exited {reason}: {count}")
    for step in found["per_step"]:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(step["outcomes"].items())) or "-"
        click.echo(f"step {step['step'] + 1} {step['type']}: waiting {step['waiting']}; {outcomes}")


def _move_command(action: str, summary: str) -> None:
    @journeys_cli.command(action, help=summary)
    @click.argument("journey_id", type=int)
    def command(journey_id):
        journey = _journey(journey_id)
        try:
            control.move(db.session, journey, action)
        except JourneyError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
        _done(journey, action)
        click.echo(f"journey {journey.id}: {journey.status}")


_move_command("activate", "Let the trigger enter customers, and run the steps of those inside.")
_move_command("pause", "Nobody enters, nobody moves on.")
_move_command("archive", "Finished with: nobody enters, those inside leave.")
