"""`flask staff` commands: bootstrap the first owner (or print a setup code for the console), list accounts,
reset a password."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from .extensions import db
from .models.staff import ROLES, StaffUser
from .services.staff import access

staff_cli = AppGroup("staff", help="Staff accounts.")


@staff_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.password_option(help="At least 10 characters; prompted (twice) when not given.")
def staff_create(email, name, role, password):
    """Create a staff account (e.g. the first `--role owner`)."""
    try:
        staff = access.create_staff(db.session, email, name, role, password)
        db.session.commit()
    except access.AccessError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {staff.role} {staff.email} (id {staff.id})")


@staff_cli.command("list")
def staff_list():
    for staff in db.session.scalars(sa.select(StaffUser).order_by(StaffUser.id)):
        state = "active" if staff.active else "inactive"
        click.echo(f"{staff.id}\t{staff.email}\t{staff.role}\t{state}")


@staff_cli.command("set-password")
@click.option("--email", required=True)
@click.password_option()
def staff_set_password(email, password):
    staff = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if staff is None:
        raise click.ClickException(f"no staff account {email}")
    try:
        access.set_password(staff, password)
    except access.AccessError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"password changed for {staff.email}")


@staff_cli.command("setup-code")
def staff_setup_code():
    """Print a new one-time code for creating the first owner in the console (nothing once an owner exists)."""
    from .services.staff import setup

    code = setup.issue_code(db.session)
    db.session.commit()
    if code is None:
        click.echo("an owner account exists: no setup code needed (sign in at /console/)", err=True)
        return
    click.echo(code)
