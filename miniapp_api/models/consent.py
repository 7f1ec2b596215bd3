"""Consent as given: what was agreed to, in which words, when and where."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class ConsentRecord(db.Model):
    """An append-only record; the latest row per customer and purpose is in force."""

    __tablename__ = "consent_record"
    __table_args__ = (sa.Index("ix_consent_record_lookup", "customer_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"))
    purpose: Mapped[str] = mapped_column(sa.String(32))
    granted: Mapped[bool]
    text: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[str | None] = mapped_column(sa.String(32))
    source: Mapped[str] = mapped_column(sa.String(32))
    form_slug: Mapped[str | None] = mapped_column(sa.String(64))
    submission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("form_submission.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # Set instead of `submission_id` when the submission is written in the same flush.
    submission: Mapped["FormSubmission | None"] = relationship()  # noqa: F821  (models.form)
