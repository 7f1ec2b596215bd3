"""One customer as staff open it: the profile plus everything about them that is not a chat message.

A customer who filled the form but never chatted has no conversation to open, so the detail itself carries
their form submissions (labelled), orders, the ids of their conversations (to open in the inbox) and, per CRM
connector, whether their data got there: last delivery, how many are pending, and the dead ones with the reason.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ...models import Connector, Conversation, Customer, Delivery, FormSubmission, Order
from .snapshots import crm_ids
from ...models.queue import DEAD, DONE, PENDING, PROCESSING
from .staff_edits import admin_view
from ..privacy.erasure import family
from ..forms.answers import submission_brief

DEAD_SHOWN = 20  # newest dead deliveries listed per connector; `dead_count` has them all


def customer_detail(session: Session, customer: Customer, visible_conversations=None) -> dict:
    """`admin_view` plus submissions, orders, conversation ids (within `visible_conversations`) and sync state."""
    view = admin_view(session, customer)
    submissions = session.scalars(sa.select(FormSubmission).where(FormSubmission.customer_id == customer.id)
                                  .order_by(FormSubmission.id.desc()))
    conversations = sa.select(Conversation.id).where(Conversation.customer_id == customer.id)
    if visible_conversations is not None:
        conversations = conversations.where(visible_conversations)
    view["submissions"] = [submission_brief(s) for s in submissions]
    view["orders"] = list(session.scalars(sa.select(Order).options(selectinload(Order.history))
                                          .where(Order.customer_id == customer.id).order_by(Order.id.desc())))
    view["conversation_ids"] = list(session.scalars(conversations.order_by(Conversation.id.desc())))
    view["sync"] = sync_state(session, [member.ref for member in family(session, customer)])
    view["crm_ids"] = [{"connector": connector, "id": crm_id} for connector, crm_id in crm_ids(customer).items()]
    return view


def sync_state(session: Session, refs: list[str]) -> list[dict]:
    """Per connector that has deliveries for these customer refs (a merged profile's included)."""
    mine = Delivery.aggregate_id.in_(refs)
    counts = session.execute(
        sa.select(Delivery.connector_id,
                  sa.func.max(sa.case((Delivery.status == DONE, Delivery.finished_at))),
                  sa.func.count().filter(Delivery.status.in_((PENDING, PROCESSING))),
                  sa.func.count().filter(Delivery.status == DEAD))
        .where(mine).group_by(Delivery.connector_id)).all()
    connectors = {c.id: c for c in session.scalars(sa.select(Connector).where(
        Connector.id.in_([row[0] for row in counts])))}
    states = []
    for connector_id, last_delivered_at, pending, dead_count in counts:
        dead = session.scalars(sa.select(Delivery).where(mine, Delivery.connector_id == connector_id,
                                                         Delivery.status == DEAD)
                               .order_by(Delivery.id.desc()).limit(DEAD_SHOWN))
        connector = connectors[connector_id]
        states.append({"connector": connector.name, "kind": connector.kind, "last_delivered_at": last_delivered_at,
                       "pending": pending, "dead_count": dead_count,
                       "dead": [{"delivery_id": d.id, "event_type": d.event_type, "attempts": d.attempts,
                                 "reason": d.last_error, "failed_at": d.finished_at} for d in dead]})
    return sorted(states, key=lambda state: state["connector"])
