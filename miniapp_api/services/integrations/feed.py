"""The outbox as a pull API (`GET /api/v1/events`), for integrators who cannot receive webhooks.

A reader pages with an opaque cursor and must never miss an event nor see one twice while others are being
written. Paging by id alone is wrong on PostgreSQL: ids are taken when a row is inserted, not when it commits, so
a transaction holding id 10 can commit after another's id 11 was read, and a reader already past 11 would skip 10
for ever. So on PostgreSQL each row records the transaction that wrote it (`txid`, a 64-bit xid8 defaulting to
`pg_current_xact_id()`, migration 0031), the feed is ordered by (txid, id), and a page only holds rows whose
transaction is older than the oldest one still running (`pg_snapshot_xmin(pg_current_snapshot())`, taken in the
same statement as the rows): every transaction that could still add a row has a larger txid than any row served,
so it lands after the cursor. The cost is a delay: a row appears once every transaction that began before it has
ended, a long-running transaction holds the feed back for its duration. On SQLite writers take turns (one
transaction writes at a time), so ids follow commit order and the cursor is the id.

Delivery is at least once in the sense that matters: a reader that loses its place re-reads from its last saved
cursor and gets the same events again, in the same order; events carry their `id` (`evt_<n>`) to deduplicate on.
"""
from __future__ import annotations

import base64
import binascii
import dataclasses

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import OutboxEvent

CURSOR_VERSION = "v1"
# Every event type the product writes to the outbox (crm_sync/webhook_catalog.py describes each; a test keeps the two
# lists equal).
EVENT_TYPES = ("customer.upserted", "customer.merged", "customer.erased", "form.submitted", "order.status_changed")


class InvalidCursor(ValueError):
    """The `after` value is not a cursor this feed gave out."""


@dataclasses.dataclass(frozen=True)
class Position:
    """Where a reader is: the last event's writing transaction (0 on SQLite and for rows from before 0031) and id."""

    txid: int = 0
    id: int = 0

    def cursor(self) -> str:
        return base64.urlsafe_b64encode(f"{CURSOR_VERSION}:{self.txid}:{self.id}".encode()).decode().rstrip("=")

    @classmethod
    def parse(cls, cursor: str) -> "Position":
        try:
            version, txid, row_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(":")
            position = cls(int(txid), int(row_id))
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise InvalidCursor("Not a cursor from this feed: start without `after`, then pass `next`.") from exc
        if version != CURSOR_VERSION or position.txid < 0 or position.id < 0 or position.txid >= 2**63:
            raise InvalidCursor("Not a cursor from this feed: start without `after`, then pass `next`.")
        return position


@dataclasses.dataclass(frozen=True)
class Page:
    events: list[OutboxEvent]
    next: Position
    has_more: bool


def read(session: Session, after: Position, types: list[str] | None, limit: int) -> Page:
    """Up to `limit` events after `after`, of `types` if given, oldest first."""
    postgres = session.get_bind().dialect.name == "postgresql"
    query = sa.select(OutboxEvent)
    if postgres:
        txid = sa.literal_column("outbox_event.txid")
        query = query.add_columns(sa.cast(txid, sa.Text)).where(
            sa.text("(outbox_event.txid, outbox_event.id) > (CAST(:feed_txid AS xid8), :feed_id)")
            .bindparams(feed_txid=str(after.txid), feed_id=after.id),
            sa.text("outbox_event.txid < pg_snapshot_xmin(pg_current_snapshot())")).order_by(txid, OutboxEvent.id)
    else:
        query = query.add_columns(sa.literal("0")).where(OutboxEvent.id > after.id).order_by(OutboxEvent.id)
    if types:
        query = query.where(OutboxEvent.event_type.in_(types))
    rows = session.execute(query.limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = Position(int(rows[-1][1]), rows[-1][0].id) if rows else after
    return Page([event for event, _ in rows], last, has_more)
