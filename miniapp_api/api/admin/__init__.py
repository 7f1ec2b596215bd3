"""The staff and integrator API under /api/v1/admin: one blueprint per resource."""
from __future__ import annotations


def blueprints() -> list:
    from . import auth, conflicts, customers, inbox, metrics, oa_connection, orders, segments, staff

    return [auth.blp, staff.blp, inbox.blp, metrics.blp, customers.blp, segments.blp, conflicts.blp, orders.blp,
            oa_connection.blp]
