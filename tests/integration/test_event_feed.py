"""The event feed (`GET /api/v1/events`) over HTTP with an API key: what happened, in order, with types to choose;
100,000 events paged without a gap or a repeat while more arrive; and on PostgreSQL a transaction that took its
id first but commits last is neither skipped nor served twice. Erased customers' events carry no personal data."""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from miniapp_api import clock
from miniapp_api.extensions import db
from miniapp_api.models import OutboxEvent
from tests.customer_helpers import call, full_customer
from tests.staff_helpers import staff_headers

FEED = "/api/v1/events"


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, "owner")


@pytest.fixture
def reader(client, owner):
    """Bearer headers of an integrator's API key holding `events:read`."""
    status, key = call(client, "POST", "/api-keys", owner, json={"name": "feed", "scopes": ["events:read"]})
    assert status == 201, key
    return {"Authorization": f"Bearer {key['secret']}"}


def _page(client, headers, **query) -> dict:
    response = client.get(FEED, query_string=query, headers=headers)
    try:
        assert response.status_code == 200, response.get_json()
        return response.get_json()
    finally:
        response.close()


def _drain(client, headers, after: str | None = None, *, expect: int | None = None) -> tuple[list[dict], str]:
    """Every event readable now, page by page; returns them and the cursor to keep.

    With `expect`, reads on until that many arrived: on PostgreSQL a writing transaction anywhere on the server
    (another test process's database included) holds back rows committed after it began, until it ends.
    """
    events, deadline = [], time.monotonic() + 60
    while True:
        page = _page(client, headers, limit=1000, **({"after": after} if after else {}))
        events += page["events"]
        after = page["next"]
        if page["has_more"]:
            continue
        if expect is None or len(events) >= expect or time.monotonic() > deadline:
            return events, after
        time.sleep(0.05)


def _stored(app) -> list[str]:
    with app.app_context():
        return [f"evt_{i}" for i in db.session.scalars(sa.select(OutboxEvent.id).order_by(OutboxEvent.id))]


def _rows(n: int, tag: str) -> list[dict]:
    now = clock.now()
    return [{"event_type": "customer.upserted", "aggregate_type": "customer", "aggregate_id": f"cus_{tag}{i}",
             "sequence": 1, "payload": {"ref": f"cus_{tag}{i}"}, "created_at": now, "available_at": now}
            for i in range(n)]


def test_an_integrator_reads_what_happened_in_order_and_chooses_the_types(app, client, oa, reader, owner):
    lan = full_customer(client, app, oa)
    events, cursor = _drain(client, reader, expect=len(_stored(app)))
    types = [e["type"] for e in events]
    assert set(types) == {"customer.upserted", "form.submitted", "order.status_changed"}
    assert types.index("form.submitted") < types.index("order.status_changed")
    assert {e["aggregate_id"] for e in events} == {lan["ref"]}
    assert [e["sequence"] for e in events] == sorted(e["sequence"] for e in events)  # the customer's own order
    assert events[types.index("form.submitted")]["data"]["customer_ref"] == lan["ref"]
    assert _page(client, reader, after=cursor)["events"] == []  # nothing new: the same cursor comes back
    assert _page(client, reader, after=cursor)["next"] == cursor

    only_forms = _page(client, reader, types="form.submitted,customer.erased")["events"]
    assert [e["type"] for e in only_forms] == ["form.submitted"]
    assert call(client, "POST", f"/customers/{lan['ref']}/erase", owner)[0] == 200
    later, _ = _drain(client, reader, cursor, expect=1)
    assert [e["type"] for e in later] == ["customer.erased"]
    again, _ = _drain(client, reader, expect=len(events) + 1)  # from the start again: nothing of the person left
    assert [e["data"] for e in again[:len(events)]] == [{"erased": True}] * len(events)


def test_a_bad_cursor_or_type_is_named_and_other_keys_are_refused(client, reader, owner):
    for query, field in (({"after": "not-a-cursor"}, "after"), ({"types": "customer.upserted,order.paid"}, "types"),
                         ({"limit": 0}, "limit")):
        response = client.get(FEED, query_string=query, headers=reader)
        body = response.get_json()
        response.close()
        assert response.status_code == 422 and field in body["errors"], body
    status, key = call(client, "POST", "/api-keys", owner, json={"name": "crm", "scopes": ["customers:read"]})
    response = client.get(FEED, headers={"Authorization": f"Bearer {key['secret']}"})
    response.close()
    assert response.status_code == 403


def test_a_hundred_thousand_events_are_paged_once_each_while_more_arrive(app, client, reader):
    with app.app_context():
        db.session.execute(sa.insert(OutboxEvent), _rows(100_000, "a"))
        db.session.commit()
    writing = threading.Event()

    def write_more():
        with app.app_context():
            for batch in range(100):
                db.session.execute(sa.insert(OutboxEvent), _rows(20, f"b{batch}-"))
                db.session.commit()
                writing.set()
            db.session.remove()

    writer = threading.Thread(target=write_more)
    writer.start()
    writing.wait(30)
    seen, cursor = _drain(client, reader)
    writer.join(60)
    rest, _ = _drain(client, reader, cursor, expect=102_000 - len(seen))
    ids = [e["id"] for e in seen + rest]
    stored = _stored(app)
    assert len(ids) == len(set(ids)) == len(stored) == 102_000
    assert sorted(ids, key=lambda i: int(i[4:])) == stored


def test_a_transaction_that_took_its_id_first_and_commits_last_is_not_skipped(app, client, reader, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite writers take turns: ids follow commit order")
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as slow, engine.connect() as quick:
            slow_tx = slow.begin()
            slow.execute(sa.insert(OutboxEvent), _rows(1, "slow"))   # takes the smaller id ...
            with quick.begin():
                quick.execute(sa.insert(OutboxEvent), _rows(1, "quick"))  # ... this one commits first
            seen, cursor = _drain(client, reader)
            assert seen == []  # not yet: serving "quick" now would move the cursor past "slow"
            slow_tx.commit()
        seen, cursor = _drain(client, reader, cursor, expect=2)
        assert [e["aggregate_id"] for e in seen] == ["cus_slow0", "cus_quick0"]
        assert _drain(client, reader, cursor)[0] == []
    finally:
        engine.dispose()
