"""Personal data rights: export everything held about a customer, and erase it.

Erasure anonymises in place rather than deleting rows: business facts stay
(that an order of 350,000 ₫ was paid, that a conversation happened, pipeline
moves, consent history), while everything that identifies or describes the
person goes: names, phones, emails, addresses, Zalo ids, form answers,
message texts and attachments, order personal fields, queued payloads. The
profile's merged tombstones are erased with it. Every table that references a
customer must be classified in `ERASURE`; a test enforces it, and another
reads every column of every table after an erasure (tests/integration/test_erasure_traces.py).
Work queued about the person is cancelled even while a worker holds it.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...queue import enqueue_event

from ... import clock
from ...models import (Conversation, Customer, CustomerIdentity, CustomerTag, Delivery, FormSubmission,
    IdempotencyRecord, Message, OaContact, OaOutbound, OaUserQuota, Order, OutboxEvent, ProfileConflict, ProfileMerge,
    WebhookEvent, ZnsMessage)
from ...models.customer import PHONE
from ...models.queue import IGNORED, PENDING, PROCESSING
from ..oa.outbound import ANONYMOUS_PREFIX
from ..oa.webhook_inbox import drop_ingested_for
from ..customers.profiles import PROFILE_FIELDS

ERASED_EVENT = "customer.erased"
# Table → what erasure does to the customer's rows there ("kept": holds nothing personal).
ERASURE = {
    "customer": "profile fields and attributes cleared, erased_at set",
    "customer_identity": "deleted",
    "customer_tag": "deleted",
    "form_submission": "raw, values and search text emptied, submitted_by cleared",
    "oa_contact": "Zalo ids replaced by an anonymous marker",
    "conversation": "kept (its messages' text and attachments are removed)",
    "crm_order": "phone and raw cleared; status, total and items kept",
    "consent_record": "kept: purpose, wording, version and time of each consent, no personal data",
    "pipeline_change": "kept",
    "profile_merge": "reason and moved identities cleared",
    "profile_conflict": "kept (kinds only; the claimed value is cleared)",
    "zns_message": "phone and template data cleared; sends not made yet are cancelled",
    "campaign_recipient": "kept: ids, channel, state and times, nothing personal (the text sent is a conversation "
                          "message, erased with it); a send not made yet is skipped as `erased`",
    "journey_enrollment": "kept: ids, step, state and times (its context holds ids only); an active one exits as "
                          "`erased` at its next step",
    "journey_step_run": "kept: step, outcome and time, nothing personal",
}
MERGED_EVENT, MERGED_REFS = "customer.merged", ("survivor_ref", "merged_ref")


class AlreadyErased(Exception):
    """This customer was erased already."""


def family(session: Session, customer: Customer) -> list[Customer]:
    """The profile and every tombstone merged into it, directly or through other tombstones."""
    members, frontier = [customer], [customer.id]
    while frontier:
        found = list(session.scalars(sa.select(Customer).where(Customer.merged_into_id.in_(frontier))))
        members += found
        frontier = [c.id for c in found]
    return members


def erase_customer(session: Session, customer: Customer) -> list[str]:
    """Anonymise the customer and their tombstones, tell connectors; returns the erased refs."""
    if customer.erased_at is not None:
        raise AlreadyErased(customer.ref)
    now = clock.now()
    members = family(session, customer)
    ids, refs = [c.id for c in members], [c.ref for c in members]
    zalo_ids = _zalo_ids(session, ids)
    # First: a worker holding queued work about the person either finished it already or now never
    # will (on PostgreSQL this waits for it), so everything below sees what that work wrote.
    _scrub_queues(session, refs, zalo_ids)
    _scrub_zns(session, ids)
    for member in members:
        for name in PROFILE_FIELDS:
            setattr(member, name, None)
        member.attributes, member.field_sources, member.erased_at, member.updated_at = {}, {}, now, now
    session.execute(sa.delete(CustomerIdentity).where(CustomerIdentity.customer_id.in_(ids)))
    session.execute(sa.delete(CustomerTag).where(CustomerTag.customer_id.in_(ids)))
    _update(session, FormSubmission, FormSubmission.customer_id.in_(ids), raw={}, values={}, submitted_by=None,
            search_text=None)
    conversations = sa.select(Conversation.id).where(Conversation.customer_id.in_(ids)).scalar_subquery()
    _update(session, Message, Message.conversation_id.in_(conversations), text=None, attachments=[],
            failure_reason=None, search_text=None)  # bulk: the search listener does not see it
    _update(session, Order, Order.customer_id.in_(ids), phone=None, raw={})
    _update(session, ProfileMerge, sa.or_(ProfileMerge.survivor_id.in_(ids), ProfileMerge.merged_id.in_(ids)),
            reason="erased", moved_identities=[])
    _update(session, ProfileConflict, sa.or_(ProfileConflict.customer_id.in_(ids),
                                             ProfileConflict.other_customer_id.in_(ids)), claim=None)
    for contact in session.scalars(sa.select(OaContact).where(OaContact.customer_id.in_(ids))):
        contact.oa_user_id, contact.app_user_id, contact.follow_source = f"erased:{contact.id}", None, None
    _forget_idempotent_responses(session, zalo_ids)
    session.execute(sa.delete(OaUserQuota).where(OaUserQuota.oa_user_id.in_(zalo_ids)))  # keyed by OA id, no FK
    session.expire_all()  # bulk updates above bypassed the loaded objects
    enqueue_event(session, ERASED_EVENT, "customer", customer.ref,
                  {"ref": customer.ref, "merged_refs": refs[1:], "erased_at": clock.iso_utc(now)})
    return refs


def _scrub_zns(session: Session, ids: list[int]) -> None:
    """Template messages to the person (services/zns): cancelled unless made, their phone and data gone."""
    mine = ZnsMessage.customer_id.in_(ids)
    _update(session, ZnsMessage, sa.and_(mine, ZnsMessage.status.in_((PENDING, PROCESSING))), status=IGNORED,
            last_error="customer erased", finished_at=clock.now(), lease_expires_at=None, leased_by=None)
    _update(session, ZnsMessage, mine, phone="erased", template_data={})


def _update(session: Session, model, where, **values) -> None:
    session.execute(sa.update(model).where(where).values(**values).execution_options(synchronize_session=False))


def _forget_idempotent_responses(session: Session, zalo_ids: set[str]) -> None:
    """Stored Mini App responses (scoped by the Zalo user) repeat the profile; they go too."""
    for zalo_id in zalo_ids:
        session.execute(sa.delete(IdempotencyRecord).where(IdempotencyRecord.scope.like(f"%:{zalo_id}:%")))


def _zalo_ids(session: Session, ids: list[int]) -> set[str]:
    identities = session.scalars(sa.select(CustomerIdentity.value).where(
        CustomerIdentity.customer_id.in_(ids), CustomerIdentity.kind != PHONE))
    contacts = session.execute(sa.select(OaContact.oa_user_id, OaContact.app_user_id)
                               .where(OaContact.customer_id.in_(ids)))
    # An anonymous user's contact is `anon:<id>`; their webhook events carry the bare id.
    return ({*identities} | {v for row in contacts for value in row if value
                             for v in (value, value.removeprefix(ANONYMOUS_PREFIX))})


def _scrub_queues(session: Session, refs: list[str], zalo_ids: set[str]) -> None:
    """Queued work about the person: emptied, and cancelled unless finished.

    Rows a worker holds right now (`processing`) are cancelled too: the worker
    settles a row only while it still holds it (`miniapp_api.queue.complete` is a
    compare-and-set) and discards its work otherwise, so a profile look-up or a
    webhook event in flight during the erasure cannot bring the person back.
    """
    why = "customer erased"
    for model, where, values in (
        (OutboxEvent, sa.and_(OutboxEvent.aggregate_id.in_(refs), OutboxEvent.event_type != ERASED_EVENT),
         {"payload": {"erased": True}}),
        (Delivery, sa.and_(Delivery.aggregate_id.in_(refs), Delivery.event_type != ERASED_EVENT),
         {"payload": {"erased": True}, "response_body": None}),
        (OaOutbound, OaOutbound.oa_user_id.in_(zalo_ids), {"payload": {}, "oa_user_id": "erased", "dedupe_key": None}),
        (WebhookEvent, WebhookEvent.user_id.in_(zalo_ids), {"raw_body": "{}", "user_id": None}),
    ):
        event_type = getattr(model, "event_type", None)
        merges = event_type == MERGED_EVENT if event_type is not None else sa.false()
        # pending and in-flight work is cancelled, except merges connectors still need (cut to refs below)
        _update(session, model, sa.and_(where, model.status.in_((PENDING, PROCESSING)), sa.not_(merges)),
                status=IGNORED, last_error=why, finished_at=clock.now(), lease_expires_at=None, leased_by=None)
        _update(session, model, sa.and_(where, model.last_error.is_not(None)), last_error=why)
        _update(session, model, sa.and_(where, sa.not_(merges)), **values)
        if event_type is not None:
            _refs_only(session, model, sa.and_(where, merges))
    drop_ingested_for(session, zalo_ids)


def _refs_only(session: Session, model, where) -> None:
    """A `customer.merged` payload keeps the two refs connectors act on; its reason may name an identity."""
    for row in session.scalars(sa.select(model).where(where)):
        row.payload = {key: row.payload.get(key) for key in MERGED_REFS}
        if getattr(row, "response_body", None) is not None:
            row.response_body = None
    session.flush()  # before the caller expires everything
