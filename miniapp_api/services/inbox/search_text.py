"""The normalised text the inbox searches: no diacritics, lower case, words only.

"Nguyễn Văn A" and "nguyen van a" both become "nguyen van a", so staff find a
customer however they type. The columns `message.search_text` and
`customer.search_text` are kept current on every ORM flush (`install`); code
that writes rows in bulk without the ORM (benchmarks, data loads) calls
`normalise` itself. A customer's text includes their form answers (choices by
their labels), so a customer who only filled the form is found by what they
wrote; an erased customer has none. Each submission keeps its own text
(`form_submission.search_text`, labels as they read when it was submitted; ""
when it has no words), so refreshing a customer reads one short column of their
submissions instead of labelling every answer again: a customer's hundredth
submission costs what their first did, give or take one row each.
"""
from __future__ import annotations

import re

import phonenumbers
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session
from unidecode import unidecode

from ...models import Customer, CustomerIdentity, Form, FormSubmission, Message
from ...models.customer import PHONE
from ..forms.answers import answer_texts

_NON_WORD = re.compile(r"[^a-z0-9]+")
# Vietnamese "đ" is not a combining mark; unidecode already maps it to "d".


def normalise(text: str | None) -> str:
    """Lower case ASCII words separated by single spaces ("Đặng Thị Ánh!" → "dang thi anh")."""
    if not text:
        return ""
    return _NON_WORD.sub(" ", unidecode(text).lower()).strip()


def phone_forms(e164: str) -> list[str]:
    """A phone as staff may type it: +84912345678 → "84912345678" and "0912345678"."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return [e164]
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return [e164, national.replace(" ", "")]


def customer_text(full_name, display_name, email, phones: list[str], answers: list[str] = ()) -> str:
    parts = [full_name, display_name, email, *(form for phone in phones for form in phone_forms(phone)), *answers]
    return normalise(" ".join(p for p in parts if p))


def submission_text(fields: list[dict], values: dict) -> str:
    """A submission's answers as they are searched, under the form's `fields` ("" when none are words)."""
    return normalise(" ".join(answer_texts(fields, values)))


def _submission_texts(session: Session, customer: Customer) -> list[str]:
    """The texts of the customer's submissions, stored (one query) or about to be (called inside a flush).

    A submission stored before its text was (null: migration 0019 adds the column without a backfill) gets
    it now, written by the flush under way.
    """
    pending = [s.search_text for s in session.new
               if isinstance(s, FormSubmission) and s.customer_id == customer.id and s.search_text]
    if customer.id is None:
        return pending
    rows = session.execute(sa.select(FormSubmission.id, FormSubmission.search_text).where(
        FormSubmission.customer_id == customer.id).order_by(FormSubmission.id)).all()
    texts = dict(rows)
    missing = [row_id for row_id, text in rows if text is None]
    if missing:
        for submission in session.scalars(sa.select(FormSubmission).where(FormSubmission.id.in_(missing))):
            _refresh_submission(session, submission)
            texts[submission.id] = submission.search_text
    return [text for text in texts.values() if text] + pending


def _refresh_submission(session: Session, submission: FormSubmission) -> None:
    form = submission.form or session.get(Form, submission.form_id)
    submission.search_text = submission_text(form.fields, submission.values or {})


def _refresh_customer(session: Session, customer: Customer) -> None:
    if customer.erased_at is not None:  # nothing to find: the identities loaded may be deleted ones
        customer.search_text = None
        return
    phones = [i.value for i in customer.identities if i.kind == PHONE]
    own = customer_text(customer.full_name, customer.zalo_display_name, customer.email, phones)
    # Each part is normalised already, and normalising the joined text would give the same words.
    customer.search_text = " ".join(t for t in (own, *_submission_texts(session, customer)) if t) or None


def _before_flush(session: Session, _context, _instances) -> None:
    customers: set[Customer] = set()
    with session.no_autoflush:
        for obj in (*session.new, *session.dirty):
            if isinstance(obj, Message):
                obj.search_text = normalise(obj.text) or None
            elif isinstance(obj, Customer):
                customers.add(obj)
            elif isinstance(obj, CustomerIdentity) and obj.customer is not None:
                customers.add(obj.customer)
            elif isinstance(obj, FormSubmission) and obj.customer_id is not None:
                if obj not in session.new or obj.search_text is None:  # new ones from the capture have it
                    _refresh_submission(session, obj)
                customers.add(session.get(Customer, obj.customer_id))
        for customer in customers - {None}:
            _refresh_customer(session, customer)


def install() -> None:
    """Keep the search columns current on every session (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
