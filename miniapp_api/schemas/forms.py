"""Form definitions (as shops write them) and submissions (as customers send them)."""
from __future__ import annotations

import re

import marshmallow as ma
import phonenumbers
from marshmallow import fields, validate

from .base import Schema

FIELD_TYPES = ("text", "textarea", "phone", "email", "choice", "multichoice", "province", "consent", "checkbox")
PROFILE_TARGETS = ("full_name", "phone", "email", "province", "address")


class LocalizedText(Schema):
    """Text in Vietnamese first, English second."""

    vi = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    en = fields.String(validate=validate.Length(max=2000))


class OptionSchema(Schema):
    value = fields.String(required=True, validate=validate.Length(min=1, max=100))
    label = fields.Nested(LocalizedText, required=True)


class ValidationRules(Schema):
    min_length = fields.Integer(validate=validate.Range(min=0))
    max_length = fields.Integer(validate=validate.Range(min=1, max=10000))
    pattern = fields.String()

    @ma.validates("pattern")
    def _compiles(self, value, **_):
        try:
            re.compile(value)
        except re.error as exc:
            raise ma.ValidationError(f"not a valid regular expression: {exc}") from exc


class FieldDefinition(Schema):
    """One input of a form; `maps_to` copies the answer onto the customer profile."""

    name = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,63}$"))
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    label = fields.Nested(LocalizedText, required=True)
    help = fields.Nested(LocalizedText)
    required = fields.Boolean(load_default=False)
    options = fields.List(fields.Nested(OptionSchema))
    validation = fields.Nested(ValidationRules)
    maps_to = fields.String(validate=validate.OneOf(PROFILE_TARGETS))
    purpose = fields.String(validate=validate.Length(min=1, max=32))
    consent_version = fields.String(validate=validate.Length(min=1, max=32))
    countries = fields.List(
        fields.String(validate=validate.OneOf(phonenumbers.SUPPORTED_REGIONS,
                                             error="not an ISO 3166 country code with phone numbers")),
        validate=validate.Length(min=1, max=50),
        metadata={"description": "Phone fields: ISO 3166 countries whose numbers are accepted (default [\"VN\"])"})

    @ma.validates_schema
    def _coherent(self, data, **_):
        if data["type"] in ("choice", "multichoice") and not data.get("options"):
            raise ma.ValidationError("choice fields need options", "options")
        if data["type"] == "consent" and not (data.get("purpose") and data.get("consent_version")):
            raise ma.ValidationError("consent fields need a purpose and a consent_version", "purpose")
        if data.get("countries") and data["type"] != "phone":
            raise ma.ValidationError("only phone fields take countries", "countries")


class FormDefinitionSchema(Schema):
    """A whole form, as `flask forms export|import` moves it and the Mini App reads it."""

    slug = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,63}$"))
    title = fields.Nested(LocalizedText, required=True)
    description = fields.Nested(LocalizedText)
    version = fields.Integer(dump_only=True)
    fields = ma.fields.List(ma.fields.Nested(FieldDefinition), required=True,
                            validate=validate.Length(min=1, max=100))

    @ma.validates("fields")
    def _unique_names(self, value, **_):
        names = [f["name"] for f in value]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ma.ValidationError("duplicate field names: " + ", ".join(duplicates))
        targets = [f["maps_to"] for f in value if f.get("maps_to")]
        if len(targets) != len(set(targets)):
            raise ma.ValidationError("two fields map to the same profile field")


class SubmissionRequest(Schema):
    """What the Mini App posts: the answers keyed by field name."""

    values = fields.Dict(keys=fields.String(), required=True,
                         metadata={"description": "Answers keyed by field name, as the form defines them"})


class SubmissionSchema(Schema):
    """A stored submission: normalised values (phones in E.164), UTC timestamp."""

    ref = fields.String()
    form = fields.String(metadata={"description": "Form slug"})
    form_version = fields.Integer()
    values = fields.Dict()
    created_at = fields.String(metadata={"description": "ISO-8601 UTC"})


class FormDefinitionImport(FormDefinitionSchema):
    """A definition to import: an exported one may keep its `version`, which is ignored (the stored form
    decides the next version)."""

    version = fields.Integer(metadata={"description": "Ignored on import"})


class FormSummary(Schema):
    slug = fields.String(required=True)
    title = fields.Nested(LocalizedText, required=True)
    version = fields.Integer(required=True)
    active = fields.Boolean(required=True)
    fields_count = fields.Integer(required=True)
    submissions = fields.Integer(required=True, metadata={"description": "Submissions received, all versions"})
    updated_at = fields.DateTime(required=True)


class FormImportPlan(Schema):
    action = fields.String(required=True, validate=validate.OneOf(("create", "update", "unchanged")),
                           metadata={"description": "What importing would do"})
    version = fields.Integer(required=True, metadata={"description": "The form's version after importing"})
    definition = fields.Nested(FormDefinitionSchema, required=True,
                               metadata={"description": "The definition as it would be stored (for a preview)"})
