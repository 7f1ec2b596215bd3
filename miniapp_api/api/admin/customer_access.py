"""Loading a customer for a staff or integrator request, with the agent's narrower view applied."""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa

from ...errors import Problem, problem_type
from ...extensions import db
from ...models import Customer, Segment
from ...schemas.admin_customers import CustomerFilter
from ...models.staff import AGENT
from ...services.customers.segments import compile_filter
from ...services.staff.visibility import agent_customers
from .access import current

CUSTOMER_MERGED = problem_type(
    "customer-merged", 409, "Customer merged into another", "Khách hàng đã được gộp vào hồ sơ khác",
    "Hồ sơ này đã được gộp vào hồ sơ khác; hãy dùng hồ sơ đó (merged_into).")
CUSTOMER_ERASED = problem_type(
    "customer-erased", 409, "Customer erased", "Khách hàng đã bị xóa dữ liệu",
    "Dữ liệu cá nhân của khách hàng này đã bị xóa.")

MAX_ID = 2**31 - 1  # ids are 32-bit integers; larger path values cannot exist (and overflow drivers)


def visibility() -> list:
    """Extra conditions for the caller: agents only see the customers of their conversations."""
    principal = current()
    return [agent_customers(principal.id)] if principal.kind == "staff" and principal.role == AGENT else []


def load_customer(ref: str, *, live: bool = False) -> Customer:
    """The customer by ref (404 when missing or not visible); with `live`, 409 for tombstones and erased ones."""
    customer = db.session.scalar(sa.select(Customer).where(Customer.ref == ref, *visibility()))
    if customer is None:
        raise Problem(404, f"No customer {ref}.", title="Not Found")
    if live and customer.merged_into_id is not None:
        raise merged_problem(customer, "change that profile")
    if live and customer.erased_at is not None:
        raise Problem(409, f"{ref} was erased.", kind=CUSTOMER_ERASED)
    return customer


def merged_problem(customer: Customer, advice: str) -> Problem:
    """409 for a merged tombstone, naming the survivor to use instead (`merged_into`)."""
    survivor = customer.merged_into.ref
    return Problem(409, f"{customer.ref} was merged into {survivor}; {advice}.", kind=CUSTOMER_MERGED,
                   detail_vi=f"{customer.ref} đã được gộp vào {survivor}.", extra={"merged_into": survivor})


def find_segment(segment_id: int) -> Segment:
    segment = db.session.get(Segment, segment_id) if 0 < segment_id <= MAX_ID else None
    if segment is None:
        raise Problem(404, f"No segment {segment_id}.", title="Not Found")
    return segment


class StoredFilterInvalid(Problem):
    """A segment saved before today's input rules whose filter they refuse (a 409 where it is applied)."""

    def __init__(self, segment: Segment, error: ma.ValidationError):
        super().__init__(409, f"Segment {segment.id} has a saved filter that is no longer valid; delete it and "
                              "save it again.", title="Conflict", errors=error.messages)
        self.valid_part = error.valid_data or {}


def segment_filter(segment: Segment) -> dict:
    """The stored filter (JSON, ISO times) back in its validated form."""
    try:
        return CustomerFilter().load(segment.filter)
    except ma.ValidationError as exc:
        raise StoredFilterInvalid(segment, exc) from exc


def segment_conditions(segment: Segment) -> list:
    return compile_filter(segment_filter(segment))
