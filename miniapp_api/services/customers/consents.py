"""Consent as given and withdrawn, kept as an append-only history."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import ConsentRecord, FormSubmission

MARKETING = "marketing"


def record_consent(session: Session, customer_id: int, purpose: str, granted: bool, *, source: str,
                   text: str | None = None, version: str | None = None, form_slug: str | None = None,
                   submission: FormSubmission | None = None) -> ConsentRecord:
    """Append what the customer agreed to (or withdrew), in which words, when, through what.

    Written with the caller's next flush (with `submission`, in the same one as the submission).
    """
    record = ConsentRecord(customer_id=customer_id, purpose=purpose, granted=granted, text=text,
                           version=version, source=source, form_slug=form_slug,
                           submission=submission, recorded_at=clock.now())
    session.add(record)
    return record


def current_consents(session: Session, customer_id: int) -> dict[str, ConsentRecord]:
    """The record in force per purpose (the latest one), counting records not flushed yet."""
    with session.no_autoflush:  # the pending ones are merged below: no flush for them alone
        rows = session.scalars(sa.select(ConsentRecord).where(ConsentRecord.customer_id == customer_id)
                               .order_by(ConsentRecord.recorded_at, ConsentRecord.id)).all()
    pending = [r for r in session.new if isinstance(r, ConsentRecord) and r.customer_id == customer_id]
    if pending:  # stable sort: pending records come after stored ones of the same time, in the order added
        rows = sorted([*rows, *pending], key=lambda r: (r.recorded_at, r.id is None, r.id or 0))
    return {row.purpose: row for row in rows}


def consents_in_force(session: Session, customer_ids: list[int]) -> dict[int, dict[str, ConsentRecord]]:
    """`current_consents` of many customers (stored records only) in one query: customer id → purpose → record."""
    rows = session.scalars(sa.select(ConsentRecord).where(ConsentRecord.customer_id.in_(customer_ids))
                           .order_by(ConsentRecord.recorded_at, ConsentRecord.id)).all()
    found: dict[int, dict[str, ConsentRecord]] = {customer_id: {} for customer_id in customer_ids}
    for row in rows:
        found[row.customer_id][row.purpose] = row
    return found


def has_marketing_consent(session: Session, customer_id: int) -> bool:
    """Whether marketing messages may be sent now: the latest marketing record grants it."""
    record = current_consents(session, customer_id).get(MARKETING)
    return bool(record and record.granted)


def consent_history(session: Session, customer_id: int) -> list[dict]:
    """Every consent record of the customer, newest first, with the submission it came with."""
    rows = session.execute(
        sa.select(ConsentRecord, FormSubmission.ref).outerjoin(FormSubmission,
                                                               FormSubmission.id == ConsentRecord.submission_id)
        .where(ConsentRecord.customer_id == customer_id)
        .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())).all()
    return [{"purpose": r.purpose, "granted": r.granted, "text": r.text, "version": r.version, "source": r.source,
             "form": r.form_slug, "submission_ref": ref, "recorded_at": r.recorded_at} for r, ref in rows]
