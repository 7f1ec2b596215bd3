"""`GET /api/v1/events`: the event feed (services/integrations/feed.py), for API keys with `events:read`."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ...clock import iso_utc
from ...extensions import db
from ...models.staff import ADMIN, OWNER
from ...schemas.base import Schema
from ...services.integrations.feed import EVENT_TYPES, InvalidCursor, Position, read
from ..admin.access import STAFF_SECURITY, require

blp = Blueprint("integration_events", __name__, url_prefix="/api/v1",
                description="Event feed: what happened, in commit order, for integrators who pull")


class FeedQuery(Schema):
    after = fields.String(validate=validate.Length(min=1, max=100),
                          metadata={"description": "`next` of the previous page; none: from the first event"})
    types = fields.String(validate=validate.Length(min=1, max=500),
                          metadata={"description": f"Comma-separated event types among {', '.join(EVENT_TYPES)}"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))

    @ma.validates("types")
    def _known(self, value: str, **_):
        unknown = sorted(set(value.split(",")) - set(EVENT_TYPES))
        if unknown:
            raise ma.ValidationError(f"Unknown event types: {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}.")

    @ma.validates("after")
    def _cursor(self, value: str, **_):
        try:
            Position.parse(value)
        except InvalidCursor as exc:
            raise ma.ValidationError(str(exc)) from exc


class FeedEvent(Schema):
    id = fields.String(metadata={"description": "`evt_<n>`: the same event always has the same id"})
    type = fields.String()
    aggregate_type = fields.String(metadata={"description": "`customer` for every type today"})
    aggregate_id = fields.String(metadata={"description": "The customer's ref (an order's without a customer: "
                                                          "`order:<connector>:<id>`)"})
    sequence = fields.Integer(metadata={"description": "Its place among its customer's events, in commit order"})
    occurred_at = fields.String(metadata={"description": "UTC ISO-8601"})
    data = fields.Dict(metadata={"description": "The webhook's `data` for this type (the `webhooks` section)"})


class FeedPage(Schema):
    events = fields.List(fields.Nested(FeedEvent))
    next = fields.String(metadata={"description": "Pass as `after` for the next page (also when this one is empty)"})
    has_more = fields.Boolean(metadata={"description": "More events are readable now: ask again at once"})


@blp.route("/events")
@require(roles=(OWNER, ADMIN), scope="events:read")
@blp.arguments(FeedQuery, location="query")
@blp.response(200, FeedPage)
@blp.doc(security=STAFF_SECURITY)
def list_events(query):
    """Events after a cursor, oldest first: keep `next` and ask again (at-least-once, no gaps, no repeats)."""
    types = query["types"].split(",") if query.get("types") else None
    page = read(db.session, Position.parse(query["after"]) if query.get("after") else Position(), types,
                query["limit"])
    return {"events": [{"id": f"evt_{e.id}", "type": e.event_type, "aggregate_type": e.aggregate_type,
                        "aggregate_id": e.aggregate_id, "sequence": e.sequence, "occurred_at": iso_utc(e.created_at),
                        "data": e.payload} for e in page.events],
            "next": page.next.cursor(), "has_more": page.has_more}
