"""Everything held about one customer, as one JSON document (the right of access).

It covers the profile and its merged tombstones, identities, the whole consent
history, form submissions (as submitted and normalised), OA contacts,
conversations with every message (staff notes marked `internal`), orders with
their status history, tags, pipeline moves and merges.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import (ConsentRecord, Conversation, Customer, CustomerIdentity, FormSubmission, Message, OaContact,
    Order, PipelineChange, ProfileMerge)
from ..customers.staff_edits import tag_names
from .erasure import family
from ..customers.profiles import PROFILE_FIELDS
from ..customers.snapshots import customer_snapshot


def _columns(row, *names) -> dict:
    return {name: clock.iso_utc(v) if hasattr(v := getattr(row, name), "isoformat") else v for name in names}


def export_customer(session: Session, customer: Customer) -> dict:
    members = family(session, customer)
    ids = [c.id for c in members]
    refs = {c.id: c.ref for c in members}

    def rows(model, *where, order=None):
        return list(session.scalars(sa.select(model).where(*where).order_by(order or model.id)))

    conversations = rows(Conversation, Conversation.customer_id.in_(ids))
    return {
        "exported_at": clock.iso_utc(clock.now()),
        "customer": {**customer_snapshot(session, customer), "pipeline_status": customer.pipeline_status,
                     "erased_at": clock.iso_utc(customer.erased_at)},
        "merged_profiles": [{**_columns(c, "ref", *PROFILE_FIELDS, "created_at"), "attributes": c.attributes}
                            for c in members[1:]],
        "identities": [_columns(i, "kind", "value", "verified", "source", "created_at")
                       for i in rows(CustomerIdentity, CustomerIdentity.customer_id.in_(ids))],
        "consents": [_columns(r, "purpose", "granted", "text", "version", "source", "form_slug", "recorded_at")
                     for r in rows(ConsentRecord, ConsentRecord.customer_id.in_(ids))],
        "submissions": [{**_columns(s, "ref", "form_version", "submitted_by", "raw", "values", "created_at"),
                         "form": s.form.slug} for s in rows(FormSubmission, FormSubmission.customer_id.in_(ids))],
        "oa_contacts": [_columns(c, "oa_user_id", "app_user_id", "is_follower", "follow_source", "followed_at",
                                 "unfollowed_at", "last_interaction_at", "created_at")
                        for c in rows(OaContact, OaContact.customer_id.in_(ids))],
        "conversations": [{**_columns(c, "id", "status", "opened_at", "closed_at"),
                           "messages": [_columns(m, "direction", "author", "internal", "type", "text", "attachments",
                                                 "delivery_state", "sent_at")
                                        for m in rows(Message, Message.conversation_id == c.id)]}
                          for c in conversations],
        "orders": [{**_columns(o, "external_id", "status", "total_vnd", "phone", "items", "raw",
                               "remote_updated_at"),
                    "history": [_columns(h, "old_status", "new_status", "source", "remote_updated_at")
                                for h in o.history]}
                   for o in rows(Order, Order.customer_id.in_(ids))],
        "tags": tag_names(session, customer.id),
        "pipeline": [_columns(p, "from_status", "to_status", "at")
                     for p in rows(PipelineChange, PipelineChange.customer_id.in_(ids))],
        "merges": [{"survivor_ref": refs.get(m.survivor_id), "merged_ref": refs.get(m.merged_id),
                    **_columns(m, "reason", "moved_identities", "created_at")}
                   for m in rows(ProfileMerge, sa.or_(ProfileMerge.survivor_id.in_(ids),
                                                      ProfileMerge.merged_id.in_(ids)))],
    }

