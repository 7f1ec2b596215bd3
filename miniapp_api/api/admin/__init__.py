"""The staff and integrator API under /api/v1/admin: one blueprint per resource."""
from __future__ import annotations


def blueprints() -> list:
    from . import (auth, auto_replies, campaigns, changes, conflicts, customers, forms, inbox, inbox_media,  # noqa: F401
                   inbox_reads, journeys, metrics, oa_connection, orders, saved_replies, segments, setup, shop_settings,
                   staff, zns)
    # (inbox_media and inbox_reads add routes to inbox.blp)

    return [auth.blp, staff.blp, inbox.blp, metrics.blp, customers.blp, segments.blp, conflicts.blp, orders.blp,
            zns.blp, oa_connection.blp, changes.blp, saved_replies.blp, setup.blp, auto_replies.blp,
            shop_settings.blp, forms.blp, campaigns.blp, journeys.blp]
