"""What an agent may read: one rule for conversations, and the customers in them.

An agent reads a conversation assigned to them, or one that is unassigned and
not closed (the queue they may take work from). Closing unassigns, so a closed
conversation belongs to nobody's queue and no agent reads it until the customer
writes again (which reopens it, unassigned). A customer is readable when one of
their conversations is. Everything an agent reaches (list, detail, search,
actions, the customer API) goes through these clauses, so an agent never learns
of a conversation or a customer they cannot read: it is a 404, not a 409.
"""
from __future__ import annotations

import sqlalchemy as sa

from ...models import Conversation, Customer
from ...models.conversation import CLOSED


def agent_conversations(staff_id: int):
    """The conversations the agent may read and act on."""
    return sa.or_(Conversation.assignee_id == staff_id,
                  sa.and_(Conversation.assignee_id.is_(None), Conversation.status != CLOSED))


def agent_customers(staff_id: int):
    """The customers the agent may read: those with a conversation the agent may read."""
    return sa.exists().where(Conversation.customer_id == Customer.id, agent_conversations(staff_id))
