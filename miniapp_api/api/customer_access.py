"""Loading a customer for a staff or integrator request, with the agent's narrower view applied."""
from __future__ import annotations

import sqlalchemy as sa

from ..errors import Problem
from ..extensions import db
from ..models import Customer, Segment
from ..schemas.admin_customers import CONTROL, CustomerFilter
from ..models.staff import AGENT
from ..services.segments import compile_filter
from ..services.visibility import agent_customers
from .access import current

MAX_ID = 2**31 - 1  # ids are 32-bit integers; larger path values cannot exist (and overflow drivers)


def visibility() -> list:
    """Extra conditions for the caller: agents only see the customers of their conversations."""
    principal = current()
    return [agent_customers(principal.id)] if principal.kind == "staff" and principal.role == AGENT else []


def load_customer(ref: str, *, live: bool = False) -> Customer:
    """The customer by ref (404 when missing or not visible); with `live`, 409 for tombstones and erased ones."""
    customer = None if CONTROL.search(ref) else db.session.scalar(
        sa.select(Customer).where(Customer.ref == ref, *visibility()))
    if customer is None:
        raise Problem(404, f"No customer {ref}.", title="Not Found")
    if live and customer.merged_into_id is not None:
        raise Problem(409, f"{ref} was merged into {customer.merged_into.ref}; change that profile.", title="Conflict")
    if live and customer.erased_at is not None:
        raise Problem(409, f"{ref} was erased.", title="Conflict")
    return customer


def find_segment(segment_id: int) -> Segment:
    segment = db.session.get(Segment, segment_id) if 0 < segment_id <= MAX_ID else None
    if segment is None:
        raise Problem(404, f"No segment {segment_id}.", title="Not Found")
    return segment


def segment_filter(segment: Segment) -> dict:
    """The stored filter (JSON, ISO times) back in its validated form."""
    return CustomerFilter().load(segment.filter)


def segment_conditions(segment: Segment) -> list:
    return compile_filter(segment_filter(segment))
