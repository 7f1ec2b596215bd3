"""Shop-defined forms and what customers submitted through them."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .customer import new_ref
from .types import JSONType, UTCDateTime, utcnow


class Form(db.Model):
    """A form definition: fields with types, bilingual labels and validation rules.

    The `fields` JSON is validated by `schemas.forms.FormDefinitionSchema` on import,
    so everything stored here is a well-formed definition.
    """

    __tablename__ = "form"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[dict] = mapped_column(JSONType)
    description: Mapped[dict] = mapped_column(JSONType, default=dict)
    fields: Mapped[list] = mapped_column(JSONType)
    version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class FormSubmission(db.Model):
    """A submission, stored exactly as submitted next to its normalised values."""

    __tablename__ = "form_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(40), unique=True, default=lambda: new_ref("sub"))
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("form.id"), index=True)
    form_version: Mapped[int]
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    submitted_by: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    raw: Mapped[dict] = mapped_column(JSONType)
    values: Mapped[dict] = mapped_column(JSONType)
    # The answers as staff search for them (services.inbox.search_text), gathered into the customer's text;
    # null until computed ("" when the answers hold no words).
    search_text: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    form: Mapped[Form] = relationship()
