"""A campaign measured from send to order: the funnel, revenue and cost, and each recipient's line.

- sent: Zalo accepted the message (CS `sent`/`received`/`seen`; ZNS `sent`/`received`); failed: refused for good;
- delivered: the customer's phone confirmed it (CS `received`/`seen`, ZNS `received`); seen: CS `seen`;
- clicked: the tracked link opened (once per recipient);
- replied: the customer wrote to the OA within `CAMPAIGN_ATTRIBUTION_DAYS` after the send (`attributed_until`);
- ordered: an order reached us from a CRM within those days, and no later campaign had reached the customer
  before it (the latest touch gets the order); revenue sums those orders.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from ...models import Campaign, CampaignRecipient, Conversation, Customer, Message, Order, ZnsMessage
from ...models.campaign import QUEUED, SKIPPED, RECIPIENT_CANCELLED, ZNS
from ...models.conversation import INBOUND
from ...models.zns import FAILED as ZNS_FAILED, RECEIVED as ZNS_RECEIVED, SENT as ZNS_SENT
from .planning import _template_price

R = CampaignRecipient


def _clauses() -> dict:
    """Per-recipient SQL truths, for a recipient row `R` joined to its message `Message` and ZNS row."""
    later = aliased(CampaignRecipient)
    replied = sa.exists().where(
        Conversation.customer_id == R.customer_id, Message.conversation_id == Conversation.id,
        Message.direction == INBOUND, Message.author == "customer", Message.sent_at > R.queued_at,
        Message.sent_at <= R.attributed_until)
    attributed = sa.and_(
        Order.customer_id == R.customer_id, Order.created_at > R.queued_at, Order.created_at <= R.attributed_until,
        ~sa.exists().where(later.customer_id == R.customer_id, later.status == QUEUED, later.id != R.id,
                           later.queued_at > R.queued_at, later.queued_at < Order.created_at))
    return {"replied": replied, "attributed": attributed}


def funnel(session: Session, campaign: Campaign) -> dict:
    clauses = _clauses()
    state = sa.func.coalesce(Message.delivery_state, ZnsMessage.delivery_state)
    count = lambda condition: sa.func.count().filter(condition)  # noqa: E731
    row = session.execute(
        sa.select(sa.func.count().label("targeted"), count(R.status == SKIPPED).label("skipped"),
                  count(R.status == RECIPIENT_CANCELLED).label("cancelled"), count(R.status == QUEUED).label("queued"),
                  count(state.in_(("sent", "received", "seen", ZNS_SENT, ZNS_RECEIVED))).label("sent"),
                  count(state.in_(("received", "seen", ZNS_RECEIVED))).label("delivered"),
                  count(state == "seen").label("seen"), count(state.in_(("failed", ZNS_FAILED))).label("failed"),
                  count(R.clicked_at.is_not(None)).label("clicked"),
                  count(sa.and_(R.status == QUEUED, clauses["replied"])).label("replied"),
                  count(sa.and_(R.channel == ZNS, ZnsMessage.delivery_state.in_((ZNS_SENT, ZNS_RECEIVED))))
                  .label("zns_sent"))
        .select_from(R).outerjoin(Message, Message.id == R.message_id)
        .outerjoin(ZnsMessage, ZnsMessage.id == R.zns_message_id)
        .where(R.campaign_id == campaign.id)).one()
    orders = session.execute(
        sa.select(sa.func.count(sa.distinct(R.customer_id)), sa.func.coalesce(sa.func.sum(Order.total_vnd), 0))
        .select_from(R).join(Order, clauses["attributed"])
        .where(R.campaign_id == campaign.id, R.status == QUEUED)).one()
    price = _template_price(session, campaign.zns_template_id)
    figures = {name: getattr(row, name) for name in ("targeted", "skipped", "cancelled", "queued", "sent",
                                                     "delivered", "seen", "failed", "clicked", "replied")}
    return {**figures, "ordered": orders[0], "revenue_vnd": int(orders[1]),
            "cost_vnd": None if price is None else price * row.zns_sent}


def recipients(session: Session, campaign: Campaign, *, status: str | None, limit: int,
               after_id: int | None) -> list[dict]:
    """One line per recipient, by id, after `after_id`."""
    clauses = _clauses()
    statement = (sa.select(R, Customer.ref, sa.func.coalesce(Customer.full_name, Customer.zalo_display_name),
                           sa.func.coalesce(Message.delivery_state, ZnsMessage.delivery_state),
                           clauses["replied"], sa.exists().where(clauses["attributed"]))
                 .join(Customer, Customer.id == R.customer_id)
                 .outerjoin(Message, Message.id == R.message_id)
                 .outerjoin(ZnsMessage, ZnsMessage.id == R.zns_message_id)
                 .where(R.campaign_id == campaign.id).order_by(R.id).limit(limit))
    if status:
        statement = statement.where(R.status == status)
    if after_id is not None:
        statement = statement.where(R.id > after_id)
    return [{"id": r.id, "customer_ref": ref, "customer_name": name, "channel": r.channel, "status": r.status, "reason": r.reason,
             "delivery_state": delivery, "queued_at": r.queued_at, "clicked_at": r.clicked_at,
             "replied": bool(replied and r.queued_at), "ordered": bool(ordered and r.queued_at)}
            for r, ref, name, delivery, replied, ordered in session.execute(statement)]
