"""`flask campaigns …`: the same campaign actions as the API, for operators at a terminal (docs/campaigns.md)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .extensions import db
from .models import Campaign
from .services import audit
from .services.campaigns import control, planning, results

campaigns_cli = AppGroup("campaigns", help="Campaigns: list, plan, start, pause, resume, cancel, results.")


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(f"no campaign {campaign_id}")
    return campaign


def _done(campaign: Campaign, action: str) -> None:
    audit.record(db.session, f"campaign.{action}", "campaign", campaign.id, status=campaign.status)
    db.session.commit()


@campaigns_cli.command("list")
def campaigns_list():
    """One line per campaign: id, status, name."""
    for campaign in db.session.query(Campaign).order_by(Campaign.id.desc()):
        click.echo(f"{campaign.id}\t{campaign.status}\t{campaign.name}")


@campaigns_cli.command("plan")
@click.argument("campaign_id", type=int)
def campaigns_plan(campaign_id):
    """Freeze the audience; print recipients by channel, skipped by reason, the ZNS cost."""
    campaign = _campaign(campaign_id)
    try:
        found = planning.plan(db.session, campaign, current_app.config)
    except planning.CampaignError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    _done(campaign, "plan")
    click.echo(f"recipients {found['recipients']}: "
               + ", ".join(f"{channel} {count}" for channel, count in found["by_channel"].items()))
    for reason, count in found["skipped"].items():
        click.echo(f"skipped {reason}: {count}")
    if found["estimated_cost_vnd"] is not None:
        click.echo(f"estimated ZNS cost: {found['estimated_cost_vnd']:,} VND".replace(",", "."))


def _move_command(action: str, summary: str) -> None:
    @campaigns_cli.command(action, help=summary)
    @click.argument("campaign_id", type=int)
    def command(campaign_id):
        campaign = _campaign(campaign_id)
        try:
            control.move(db.session, campaign, action)
        except planning.CampaignError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
        _done(campaign, action)
        click.echo(f"campaign {campaign.id}: {campaign.status}")


for _action, _summary in (("start", "Start sending now."), ("pause", "Stop sending for now."),
                          ("resume", "Send again from where it stopped."), ("cancel", "Stop for good.")):
    _move_command(_action, _summary)


@campaigns_cli.command("results")
@click.argument("campaign_id", type=int)
def campaigns_results(campaign_id):
    """The funnel, revenue and cost."""
    for name, value in results.funnel(db.session, _campaign(campaign_id)).items():
        click.echo(f"{name}\t{'' if value is None else value}")
