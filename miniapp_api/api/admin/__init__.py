"""The staff and integrator API under /api/v1/admin: one blueprint per resource."""
from __future__ import annotations


def blueprints() -> list:
    from . import auth, conflicts, customers, inbox, inbox_media, metrics, orders, segments, staff, zns  # noqa: F401 (inbox_media adds a route to inbox.blp)

    return [auth.blp, staff.blp, inbox.blp, metrics.blp, customers.blp, segments.blp, conflicts.blp, orders.blp,
            zns.blp]
