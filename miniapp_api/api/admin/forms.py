"""The shop's forms in the console: list, export a definition, check one (for a preview), import it.

The same definitions `flask forms export|import` moves (docs/miniapp.md "Forms"). Owners, admins and viewers
read them; owners and admins import. A changed definition gets a new version; submissions keep the version they
were made with, so importing never rewrites what customers already sent.
"""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask_smorest import Blueprint

from ...errors import Problem, ValidationProblem
from ...extensions import db
from ...models import Form, FormSubmission
from ...models.staff import ADMIN, OWNER, VIEWER
from ...schemas.forms import FormDefinitionImport, FormDefinitionSchema, FormImportPlan, FormSummary
from ...services import audit
from ...services.forms.definitions import export_form, import_form, plan_import
from ...services.transactions import run_in_transaction
from .access import STAFF_SECURITY, require

blp = Blueprint("admin_forms", __name__, url_prefix="/api/v1/admin", description="Forms")
READERS, MANAGERS = (OWNER, ADMIN, VIEWER), (OWNER, ADMIN)


def _summary(form: Form, submissions: int) -> dict:
    return {"slug": form.slug, "title": form.title, "version": form.version, "active": form.active,
            "fields_count": len(form.fields), "submissions": submissions, "updated_at": form.updated_at}


def _plan(definition: dict) -> tuple[dict, Form | None, str]:
    try:
        return plan_import(db.session, definition)
    except ma.ValidationError as exc:
        raise ValidationProblem(exc.normalized_messages(), "The form definition is invalid.") from exc


@blp.route("/forms")
@require(roles=READERS)
@blp.response(200, FormSummary(many=True))
@blp.doc(security=STAFF_SECURITY)
def list_forms():
    """Every form, by slug, with how many submissions it has received."""
    counts = (sa.select(FormSubmission.form_id, sa.func.count().label("n"))
              .group_by(FormSubmission.form_id).subquery())
    rows = db.session.execute(sa.select(Form, sa.func.coalesce(counts.c.n, 0))
                              .outerjoin(counts, counts.c.form_id == Form.id).order_by(Form.slug)).all()
    return [_summary(form, submissions) for form, submissions in rows]


@blp.route("/forms/<slug>")
@require(roles=READERS)
@blp.response(200, FormDefinitionSchema)
@blp.alt_response(404, description="No form with that slug")
@blp.doc(security=STAFF_SECURITY)
def export_definition(slug):
    """The definition as portable JSON (what `flask forms export` prints): edit it, or import it elsewhere."""
    form = db.session.scalar(sa.select(Form).where(Form.slug == slug))
    if form is None:
        raise Problem(404, f"No form named {slug}.", title="Not Found", detail_vi=f"Không có biểu mẫu {slug}.")
    return export_form(form)


@blp.route("/forms/check", methods=["POST"])
@require(roles=MANAGERS)
@blp.arguments(FormDefinitionImport)
@blp.response(200, FormImportPlan)
@blp.doc(security=STAFF_SECURITY)
def check_definition(definition):
    """What importing this definition would do, and the definition as it would be stored; nothing is saved."""
    data, form, action = _plan(definition)
    version = 1 if form is None else form.version + (action == "update")
    return {"action": action, "version": version, "definition": {**data, "version": version}}


@blp.route("/forms", methods=["POST"])
@require(roles=MANAGERS)
@blp.arguments(FormDefinitionImport)
@blp.response(200, FormSummary)
@blp.alt_response(201, schema=FormSummary, description="A new form")
@blp.doc(security=STAFF_SECURITY)
def import_definition(definition):
    """Create the form, or replace the one with that slug (a changed definition gets the next version)."""
    _plan(definition)  # a clear 422 before the transaction

    def work():
        form, created = import_form(db.session, definition)
        audit.record(db.session, "form.import", "form", form.id, slug=form.slug, version=form.version,
                     created=created)
        submissions = db.session.scalar(sa.select(sa.func.count()).where(FormSubmission.form_id == form.id))
        return _summary(form, submissions), 201 if created else 200

    return run_in_transaction(db.session, work)
