"""Hand-made conversation timelines for metric tests, written straight as model rows."""
from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa

from miniapp_api import clock
from miniapp_api.extensions import db
from miniapp_api.models import (Connector, Conversation, ConversationEvent, Customer, Form, FormSubmission, Message,
                                OaContact, Order)
from miniapp_api.models.conversation import INBOUND, OPENED, OUTBOUND
from miniapp_api.services.metrics import report as metrics

_ids = itertools.count(1)
# The week of Monday 2 to Sunday 8 November 2026, in shop time.
WEEK = ("2026-11-02", "2026-11-08")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in November 2026, shop time (Asia/Ho_Chi_Minh), as UTC."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=clock.LOCAL_TZ).astimezone(clock.UTC)


def week() -> metrics.Period:
    return metrics.Period(at(2, 0), at(9, 0))


def report(business_hours: str | None = None, conversion_days: int = 30) -> dict:
    return metrics.compute(db.session, week(), business_hours=business_hours, conversion_days=conversion_days)


def customer(**fields) -> Customer:
    person = Customer(full_name=f"Khách {next(_ids)}", **fields)
    db.session.add(person)
    db.session.flush()
    return person


def contact(person: Customer | None = None, **fields) -> OaContact:
    row = OaContact(oa_user_id=f"oa-{next(_ids)}", customer_id=(person or customer()).id, **fields)
    db.session.add(row)
    db.session.flush()
    return row


class Timeline:
    """One conversation; each method appends a timeline row at a given moment."""

    def __init__(self, opened_at: dt.datetime | None, *, events: bool = True):
        self.contact = contact()
        self.conversation = Conversation(contact_id=self.contact.id, customer_id=self.contact.customer_id,
                                         opened_at=opened_at)
        db.session.add(self.conversation)
        db.session.flush()
        if events:
            self.event(OPENED, opened_at)

    def event(self, kind: str, when: dt.datetime, staff_id: int | None = None) -> "Timeline":
        db.session.add(ConversationEvent(conversation_id=self.conversation.id, kind=kind, at=when, staff_id=staff_id))
        return self

    def message(self, when: dt.datetime, direction: str, author: str, **fields) -> "Timeline":
        db.session.add(Message(conversation_id=self.conversation.id, direction=direction, author=author, type="text",
                               text="…", sent_at=when, created_at=when, **fields))
        return self

    def customer(self, when: dt.datetime) -> "Timeline":
        return self.message(when, INBOUND, "customer")

    def bot(self, when: dt.datetime) -> "Timeline":
        return self.message(when, OUTBOUND, "bot")

    def reply(self, when: dt.datetime, staff_id: int | None, *, author: str = "staff", **fields) -> "Timeline":
        return self.message(when, OUTBOUND, author, author_staff_id=staff_id, **fields)


def submission(person: Customer, when: dt.datetime) -> FormSubmission:
    form = db.session.scalar(sa.select(Form).limit(1))
    row = FormSubmission(form_id=form.id, form_version=form.version, customer_id=person.id, raw={}, values={},
                         created_at=when)
    db.session.add(row)
    return row


def order(person: Customer, when: dt.datetime) -> Order:
    connector = db.session.scalar(sa.select(Connector).limit(1))
    if connector is None:
        connector = Connector(name="shopone", kind="shopone", base_url="http://127.0.0.1:9")
        db.session.add(connector)
        db.session.flush()
    row = Order(connector_id=connector.id, external_id=f"o-{next(_ids)}", customer_id=person.id, status="new",
                remote_updated_at=when, created_at=when, updated_at=when)
    db.session.add(row)
    return row
