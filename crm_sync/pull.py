"""Pulling orders from a connector, resuming from the keyset (updated_at, id) of the last order taken.

A timestamp alone cannot be a cursor: several orders may share one, and a
page boundary between them would skip the rest. Each page is written in one
transaction together with the new position, so a crash repeats at most one
page, and repeating a page is harmless (orders are upserts).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from miniapp_api import clock
from miniapp_api.models import Connector, OrderCursor
from miniapp_api.services.orders.records import record_order
from miniapp_api.services.transactions import run_in_transaction

from .connectors.base import ConnectorClient, OrderPosition


def current_position(session: Session, connector_id: int) -> OrderPosition:
    row = session.get(OrderCursor, connector_id)
    return OrderPosition(row.last_updated_at, row.last_external_id) if row else OrderPosition()


def pull_orders(session: Session, connector_id: int, client: ConnectorClient, *, page_size: int = 100,
                max_pages: int = 50) -> int:
    """Take every order changed since the last pull (up to `max_pages` pages); returns how many."""
    taken = 0
    for _ in range(max_pages):
        position = current_position(session, connector_id)
        session.commit()  # no transaction open during the call
        page = client.pull_orders(position, page_size)
        if not page.orders:
            break

        def write_page():
            connector = session.get(Connector, connector_id)
            for remote in page.orders:
                record_order(session, connector, remote, "pull")
            last = page.orders[-1]
            row = session.get(OrderCursor, connector_id) or OrderCursor(connector_id=connector_id)
            row.last_updated_at, row.last_external_id = last.updated_at, last.external_id
            row.updated_at = clock.now()
            session.add(row)

        run_in_transaction(session, write_page)
        taken += len(page.orders)
        if not page.has_more:
            break
    return taken
