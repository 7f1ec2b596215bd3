"""`sort=waited`: customers waiting for a person (an unanswered message, or a bot's hand-over) first, who waited
longest first, then the rest by activity; paged by position, filters and the text search still apply, a forged
cursor is a 422. What starts and ends a wait: a customer's message, a person's answer (not a bot's), a close."""
from __future__ import annotations

import datetime as dt

import pytest

from miniapp_api.extensions import db
from miniapp_api.models import Conversation, Customer, Message, OaContact
from tests.inbox_helpers import BASE, call
from tests.staff_helpers import staff_headers

START = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, "owner")


def _conversation(name: str, text: str, active_minute: int, waiting_minute: int | None = None) -> int:
    person = Customer(full_name=name, source="test")
    db.session.add(person)
    db.session.flush()
    at = START + dt.timedelta(minutes=active_minute)
    conversation = Conversation(contact=OaContact(oa_user_id=f"oa-{person.id}", customer_id=person.id),
                                customer_id=person.id, opened_at=at, updated_at=at,
                                waiting_for_human=waiting_minute is not None,
                                waiting_since=None if waiting_minute is None else
                                START + dt.timedelta(minutes=waiting_minute))
    db.session.add(conversation)
    db.session.flush()
    db.session.add(Message(conversation_id=conversation.id, direction="in", author="customer", type="text",
                           text=text, sent_at=at, created_at=at))
    db.session.commit()
    return conversation.id


def _walk(client, headers, limit: int, **params) -> list[int]:
    seen, cursor = [], None
    while True:
        status, body = call(client, "GET", BASE, headers, query_string={
            "sort": "waited", "limit": limit, **params, **({"cursor": cursor} if cursor else {})})
        assert status == 200, body
        seen += [item["id"] for item in body["items"]]
        if not (cursor := body.get("next_cursor")):
            return seen


def test_longest_waiting_first_then_newest_activity(app, client, owner):
    with app.app_context():
        quiet_old = _conversation("Khách A", "cảm ơn shop", active_minute=1)
        waited_short = _conversation("Khách B", "cần tư vấn áo", active_minute=50, waiting_minute=45)
        quiet_new = _conversation("Khách C", "cảm ơn shop", active_minute=60)
        waited_long = _conversation("Khách D", "cần tư vấn giày", active_minute=20, waiting_minute=5)
    expected = [waited_long, waited_short, quiet_new, quiet_old]
    for limit in (1, 3, 25):
        assert _walk(client, owner, limit) == expected, limit
    assert _walk(client, owner, 1, q="tu van") == [waited_long, waited_short]
    assert _walk(client, owner, 2, waiting="true") == [waited_long, waited_short]


@pytest.mark.parametrize("cursor", ["eyJvZmZzZXQiOiAtMX0", "eyJvZmZzZXQiOiB0cnVlfQ", "bm9wZQ"])
def test_a_forged_position_is_a_422(client, owner, cursor):
    status, body = call(client, "GET", BASE, owner, query_string={"sort": "waited", "cursor": cursor})
    assert status == 422 and list(body["errors"]) == ["cursor"], body


def test_a_wait_starts_with_the_customer_and_ends_with_a_person_not_a_bot(app, client, oa, owner, frozen_clock):
    from tests.inbox_helpers import open_conversation
    from tests.oa_helpers import customer_says, run_worker

    assert call(client, "POST", "/api/v1/admin/auto-replies", owner, json={
        "name": "size", "pattern": "size", "reply_text": "Dạ shop kiểm tra size cho mình ngay ạ"})[0] == 200
    first = open_conversation(app, client, oa, name="Khách Sớm", text="Alo shop")
    frozen_clock.advance(seconds=60)
    later = open_conversation(app, client, oa, name="Khách Muộn", text="Còn size M không?")  # the bot answers
    assert "Dạ shop kiểm tra size cho mình ngay ạ" in str(oa.sent_messages)
    frozen_clock.advance(seconds=60)
    answered = open_conversation(app, client, oa, name="Khách Xong", text="Giá bao nhiêu?")
    assert call(client, "POST", f"{BASE}/{answered}/reply", owner, json={"text": "Dạ 250k ạ"})[0] == 201
    assert call(client, "POST", f"{BASE}/{first}/notes", owner, json={"text": "gọi lại sau"})[0] == 201  # no answer
    assert _walk(client, owner, 25)[:2] == [first, later]
    waits = {item["id"]: item["awaiting_reply_since"] for item in call(client, "GET", BASE, owner)[1]["items"]}
    assert waits[answered] is None and waits[first] < waits[later]

    frozen_clock.advance(seconds=60)
    user = list(oa.users.values())[2]
    customer_says(client, oa, user, "text", text="Ship về Huế được không?")  # asks again: waits anew, newest
    run_worker(app)
    assert _walk(client, owner, 25) == [first, later, answered]
    assert call(client, "POST", f"{BASE}/{first}/close", owner)[0] == 200  # closed: nobody is owed an answer
    assert _walk(client, owner, 25)[:2] == [later, answered]
