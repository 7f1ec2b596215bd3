"""Forms: validating answers against a shop's definition, and moving definitions around.

A submission is checked field by field against the stored definition; every
problem is reported at once, keyed by field name, so the Mini App can show each
message next to its input. Valid answers are normalised (phones to E.164,
emails lower-cased) and split into what goes onto the profile (`maps_to`),
what is consent, and what stays only in the submission.
"""
from __future__ import annotations

import dataclasses
import json
import re
import weakref
from importlib import resources

import marshmallow as ma
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...messages import message
from ...models import Form
from ...schemas.forms import FormDefinitionSchema
from ..customers.phones import InvalidPhone, normalize_phone

EMAIL = ma.validate.Email()
# A phone field without `countries` accepts Vietnamese numbers only: these are Vietnamese shops.
DEFAULT_PHONE_COUNTRIES = ["VN"]


@dataclasses.dataclass
class CleanSubmission:
    """Normalised answers and what they mean for the profile."""

    values: dict
    profile: dict
    consents: list[dict]


class SubmissionInvalid(Exception):
    """Some answers do not satisfy the form definition."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid submission")
        self.errors = errors


@dataclasses.dataclass(frozen=True)
class FormSpec:
    """What validating and storing a submission needs of a form; shared, read-only, between requests."""

    id: int
    slug: str
    version: int
    fields: list[dict]


# Per engine (each app has its own), by (form id, version): `import_form` bumps the version on every change.
_specs: weakref.WeakKeyDictionary[sa.Engine, dict[tuple[int, int], FormSpec]] = weakref.WeakKeyDictionary()


def get_form(session: Session, slug: str) -> Form | None:
    return session.scalar(sa.select(Form).where(Form.slug == slug, Form.active.is_(True)))


def active_form_spec(session: Session, slug: str) -> FormSpec | None:
    """The active form of that slug; its definition is read and decoded once per version, not per submission."""
    row = session.execute(sa.select(Form.id, Form.version).where(Form.slug == slug, Form.active.is_(True))).first()
    if row is None:
        return None
    specs = _specs.setdefault(session.get_bind(), {})
    spec = specs.get((row.id, row.version))
    if spec is None:
        form = session.get(Form, row.id)
        spec = specs[(row.id, row.version)] = FormSpec(form.id, form.slug, form.version, form.fields)
    return spec


def validate_submission(form: Form | FormSpec, answers: dict, lang: str | None = None) -> CleanSubmission:
    """Check every answer; raise `SubmissionInvalid` with all field errors, or return clean values."""
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    known = {f["name"] for f in form.fields}
    for name in answers:
        if name not in known:
            errors[name] = [message("unknown_field", lang)]
    for spec in form.fields:
        name = spec["name"]
        try:
            value = _clean_field(spec, answers.get(name), lang)
        except ma.ValidationError as exc:
            errors[name] = [str(m) for m in exc.messages] if isinstance(exc.messages, list) else [str(exc.messages)]
            continue
        if value is not None:
            clean[name] = value
    if errors:
        raise SubmissionInvalid(errors)
    profile = {spec["maps_to"]: _profile_value(spec, clean[spec["name"]]) for spec in form.fields
               if spec.get("maps_to") and spec["name"] in clean}
    consents = [{"purpose": spec["purpose"], "granted": bool(clean.get(spec["name"], False)),
                 "version": spec["consent_version"], "text": spec["label"]["vi"]}
                for spec in form.fields if spec["type"] == "consent"]
    return CleanSubmission(values=clean, profile=profile, consents=consents)


def _profile_value(spec: dict, value):
    """Choices land on the profile as their Vietnamese label ("Hà Nội"), not their code."""
    for option in spec.get("options") or ():
        if option["value"] == value:
            return option["label"]["vi"]
    return value


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _clean_field(spec: dict, value, lang):
    kind = spec["type"]
    if kind in ("consent", "checkbox"):
        if value is None:
            value = False
        if not isinstance(value, bool):
            raise ma.ValidationError(message("boolean", lang))
        if spec.get("required") and not value:
            raise ma.ValidationError(message("consent_required" if kind == "consent" else "required", lang))
        return value
    if _blank(value):
        if spec.get("required"):
            raise ma.ValidationError(message("required", lang))
        return None
    if kind == "multichoice":
        allowed = {o["value"] for o in spec["options"]}
        if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
            raise ma.ValidationError(message("multichoice", lang))
        return sorted(set(value), key=[o["value"] for o in spec["options"]].index)
    if not isinstance(value, str):
        raise ma.ValidationError(message("not_text", lang))
    value = value.strip()
    if kind == "phone":
        countries = spec.get("countries") or DEFAULT_PHONE_COUNTRIES
        try:
            return normalize_phone(value, countries)
        except InvalidPhone as exc:
            raise ma.ValidationError(_phone_message(exc.reason, countries, lang)) from exc
    if kind == "email":
        try:
            return EMAIL(value).lower()
        except ma.ValidationError as exc:
            raise ma.ValidationError(message("email", lang)) from exc
    if kind in ("choice", "province"):
        if value not in {o["value"] for o in spec["options"]}:
            raise ma.ValidationError(message("choice", lang))
        return value
    return _check_text(spec.get("validation") or {}, value, lang)


def _phone_message(reason: str, countries: list[str], lang) -> str:
    """Why a phone was refused, in words the customer can act on."""
    vietnamese_only = countries == ["VN"]
    if reason == "country":
        return message("phone_country_vn" if vietnamese_only else "phone_country", lang,
                       countries=", ".join(countries))
    return message({"letters": "phone_letters", "extension": "phone_extension", "type": "phone_type"}.get(
        reason, "phone" if vietnamese_only else "phone_any"), lang)


def _check_text(rules: dict, value: str, lang) -> str:
    if len(value) < rules.get("min_length", 0):
        raise ma.ValidationError(message("too_short", lang, n=rules["min_length"]))
    if len(value) > rules.get("max_length", 2000):
        raise ma.ValidationError(message("too_long", lang, n=rules.get("max_length", 2000)))
    if rules.get("pattern") and not re.fullmatch(rules["pattern"], value):
        raise ma.ValidationError(message("pattern", lang))
    return value


def export_form(form: Form) -> dict:
    """A definition as portable JSON (what `flask forms export` prints)."""
    return FormDefinitionSchema().dump({"slug": form.slug, "title": form.title, "description": form.description,
                                        "version": form.version, "fields": form.fields})


def plan_import(session: Session, definition: dict) -> tuple[dict, Form | None, str]:
    """What importing `definition` would do, without doing it: (clean definition, the stored form of that slug
    or None, "create" | "update" | "unchanged").

    Raises `marshmallow.ValidationError` naming what is wrong with the definition.
    """
    if not isinstance(definition, dict):
        raise ma.ValidationError("a form definition is a JSON object")
    # An exported definition carries its version; the stored form decides the next one.
    data = FormDefinitionSchema().load({k: v for k, v in definition.items() if k != "version"})
    form = session.scalar(sa.select(Form).where(Form.slug == data["slug"]))
    if form is None:
        return data, None, "create"
    same = (form.fields, form.title, form.description) == (data["fields"], data["title"], data.get("description") or {})
    return data, form, "unchanged" if same else "update"


def import_form(session: Session, definition: dict) -> tuple[Form, bool]:
    """Create or replace a form from JSON; a changed definition bumps its version (see `plan_import`)."""
    data, form, action = plan_import(session, definition)
    now = clock.now()
    if form is None:
        form = Form(slug=data["slug"], title=data["title"], description=data.get("description") or {},
                    fields=data["fields"], version=1, active=True, created_at=now, updated_at=now)
        session.add(form)
        session.flush()
        return form, True
    if action == "update":
        form.fields, form.title = data["fields"], data["title"]
        form.description = data.get("description") or {}
        form.version += 1
        form.updated_at = now
    form.active = True
    return form, False


def default_form_definition() -> dict:
    """The seeded `lien-he` (contact) form shipped with the package."""
    text = resources.files("miniapp_api").joinpath("data/lien-he.json").read_text(encoding="utf-8")
    return json.loads(text)


def seed_default_form(session: Session) -> Form | None:
    """Create `lien-he` if the shop has no form of that slug yet (never overwrites an edited one)."""
    definition = default_form_definition()
    if session.scalar(sa.select(Form.id).where(Form.slug == definition["slug"])) is not None:
        return None
    form, _ = import_form(session, definition)
    return form
