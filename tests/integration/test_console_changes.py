"""The consoles' change feed (`GET /api/v1/admin/changes`): every inbox write leaves a change in its own
transaction, read by cursor; agents hear only of what they may read; late commits are sent again; a cursor
from before the oldest kept change (or from nowhere) asks for a reload."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import ConsoleChange, Message
from miniapp_api.services.live import changes
from miniapp_api.worker import purge_console_changes
from tests.inbox_helpers import BASE, call, open_conversation
from tests.oa_helpers import customer_says, run_worker
from tests.staff_helpers import make_staff, staff_headers

CHANGES = "/api/v1/admin/changes"


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, "owner")


def _read(client, headers, after=None) -> dict:
    status, body = call(client, "GET", CHANGES, headers, query_string={} if after is None else {"after": after})
    assert status == 200, body
    return body


def _new(client, headers, cursor: int) -> tuple[list[tuple[str, int]], int]:
    """(kind, conversation id) of the changes after `cursor` not seen before, and the next cursor."""
    body = _read(client, headers, cursor)
    return [(c["kind"], c["conversation_id"]) for c in body["changes"] if c["id"] > cursor], body["cursor"]


def test_messages_notes_receipts_and_assignments_reach_the_feed(app, client, oa, owner):
    start = _read(client, owner)
    assert start["changes"] == [] and start["reset"] is False
    cid = open_conversation(app, client, oa, name="Phạm Thu", text="Còn áo không shop?")
    seen, cursor = _new(client, owner, start["cursor"])
    assert ("message", cid) in seen and ("conversation", cid) in seen

    assert call(client, "POST", f"{BASE}/{cid}/claim", owner)[0] == 200
    assert call(client, "POST", f"{BASE}/{cid}/notes", owner, json={"text": "khách quen"})[0] == 201
    assert call(client, "POST", f"{BASE}/{cid}/reply", owner, json={"text": "Dạ còn ạ"})[0] == 201
    seen, cursor = _new(client, owner, cursor)
    assert {("conversation", cid), ("note", cid), ("message", cid)} <= set(seen)

    run_worker(app)  # the reply goes out: queued → sent
    seen, cursor = _new(client, owner, cursor)
    assert seen == [("message.status", cid)]
    with app.app_context():
        zalo_id = db.session.scalar(sa.select(Message.zalo_msg_id).where(Message.text == "Dạ còn ạ"))
    user = next(iter(oa.users.values()))
    customer_says(client, oa, user, "seen", msg_ids=[zalo_id])
    run_worker(app)
    seen, cursor = _new(client, owner, cursor)
    assert ("message.status", cid) in seen
    assert _new(client, owner, cursor) == ([], cursor)  # nothing new: nothing after the cursor


def test_agents_hear_only_of_conversations_they_may_read_and_of_those_taken_from_them(app, client, oa, owner):
    agent = staff_headers(app, client, "agent", "lan@shop.vn")
    other = make_staff(app, "agent", "binh@shop.vn")
    cursor = _read(client, agent)["cursor"]
    cid = open_conversation(app, client, oa, name="Vũ Mai", text="Xin giá")
    seen, cursor = _new(client, agent, cursor)
    assert ("message", cid) in seen  # unassigned and open: in the agent's queue
    assert call(client, "POST", f"{BASE}/{cid}/claim", agent)[0] == 200
    assert call(client, "POST", f"{BASE}/{cid}/assign", owner, json={"staff_id": other})[0] == 200
    body = _read(client, agent, cursor)
    taken = [c for c in body["changes"] if c["id"] > cursor and c["conversation_id"] == cid]
    assert "conversation" in {c["kind"] for c in taken}  # taken from them: they hear of it, and their list drops it
    assert {c["held_by"]["id"] for c in taken} == {other}
    cursor = body["cursor"]
    user = next(iter(oa.users.values()))
    customer_says(client, oa, user, "text", text="Alo shop")
    run_worker(app)
    assert call(client, "POST", f"{BASE}/{cid}/notes", owner, json={"text": "để Bình lo"})[0] == 201
    seen, cursor = _new(client, agent, cursor)
    assert seen == []  # Bình's conversation now: not a word of it
    owner_view = [(c["kind"], c["conversation_id"]) for c in _read(client, owner, 0)["changes"]]
    assert ("note", cid) in owner_view


def test_every_agent_hears_that_a_conversation_left_the_unassigned_queue(app, client, oa, owner):
    """Two agents look at the same unassigned conversation; one claims it: the other's console must drop it."""
    lan = staff_headers(app, client, "agent", "lan@shop.vn", name="Chị Lan")
    binh = staff_headers(app, client, "agent", "binh@shop.vn")
    cid = open_conversation(app, client, oa)
    cursor, lan_cursor = _read(client, binh)["cursor"], _read(client, lan)["cursor"]
    assert call(client, "POST", f"{BASE}/{cid}/claim", lan)[0] == 200
    taken = [c for c in _read(client, binh, cursor)["changes"] if c["id"] > cursor]
    assert ("conversation", cid) in [(c["kind"], c["conversation_id"]) for c in taken]
    # who took it, so Bình's console can say so instead of "not found"; Lan's own feed names nobody
    assert {c["held_by"]["name"] for c in taken} == {"Chị Lan"}
    assert not any("held_by" in c for c in _read(client, lan, lan_cursor)["changes"])
    assert not any("held_by" in c for c in _read(client, owner, cursor)["changes"])
    cursor = _read(client, binh, cursor)["cursor"]
    assert call(client, "POST", f"{BASE}/{cid}/notes", lan, json={"text": "của Lan"})[0] == 201
    assert _new(client, binh, cursor)[0] == []  # what happens in Lan's conversation afterwards stays hers


def test_late_commits_below_the_cursor_are_sent_again_for_a_while(app, client, oa, owner, frozen_clock):
    cursor = _read(client, owner)["cursor"]
    cid = open_conversation(app, client, oa)
    first = _read(client, owner, cursor)
    ids = [c["id"] for c in first["changes"]]
    again = _read(client, owner, first["cursor"])  # the same changes again, as a late commit could sit among them
    assert [c["id"] for c in again["changes"]] == ids and again["cursor"] == first["cursor"]
    frozen_clock.advance(seconds=changes.LATE_COMMIT_SECONDS + 1)
    assert _read(client, owner, first["cursor"])["changes"] == []
    assert cid


def test_a_cursor_from_before_the_oldest_change_or_from_nowhere_asks_for_a_reload(app, client, oa, owner,
                                                                                    frozen_clock):
    app.config["CONSOLE_CHANGES_KEEP_HOURS"] = 1  # staff sessions last 12 h: keep the jump shorter than that
    open_conversation(app, client, oa, name="Lý Hồng")
    stale = _read(client, owner)["cursor"] - 1
    frozen_clock.advance(hours=2)
    open_conversation(app, client, oa, name="Tạ Minh")
    with app.app_context():
        purge_console_changes(app)
        kept = db.session.scalar(sa.select(sa.func.min(ConsoleChange.id)))
    assert kept > stale + 1
    newest = _read(client, owner)["cursor"]
    assert _read(client, owner, stale) == {"changes": [], "cursor": newest, "reset": True}
    assert _read(client, owner, newest + 1000)["reset"] is True  # a cursor of another database


def test_a_rolled_back_write_leaves_no_change(app, client, oa, owner):
    cid = open_conversation(app, client, oa)
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(ConsoleChange))
        db.session.add(Message(conversation_id=cid, direction="in", author="customer", type="text", text="x"))
        db.session.flush()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsoleChange)) == before + 1
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsoleChange)) == before


def test_pruned_ids_are_never_handed_out_again(app, client, oa, owner, frozen_clock):
    """A cursor stays meaningful after the newest rows are pruned: SQLite AUTOINCREMENT, PostgreSQL's sequence."""
    open_conversation(app, client, oa)
    newest = _read(client, owner)["cursor"]
    frozen_clock.advance(seconds=1)
    with app.app_context():
        assert changes.prune(db.session, dt.timedelta(0)) > 0  # every change, the newest too
        db.session.commit()
    open_conversation(app, client, oa, name="Đinh Hà")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.min(ConsoleChange.id))) > newest


@pytest.mark.parametrize("after", ["-1", "abc", str(2**63)])
def test_a_bad_cursor_is_a_clear_422(client, owner, after):
    response = client.get(CHANGES, headers=owner, query_string={"after": after})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert list(response.get_json()["errors"]) == ["after"]


def test_a_console_behind_by_more_than_a_page_gets_every_change_once_in_order(app, client, oa, owner):
    start = _read(client, owner)["cursor"]
    for n in range(4):
        open_conversation(app, client, oa, name=f"Khách {n}", text=f"Tin {n}")
    with app.app_context():
        expected = list(db.session.scalars(sa.select(ConsoleChange.id).where(ConsoleChange.id > start)
                                           .order_by(ConsoleChange.id)))
        assert len(expected) > 6
        seen, cursor = [], start
        for _ in range(len(expected)):  # pages of 3, each with the last seconds' rows again (dropped by id)
            page = changes.read(db.session, cursor, limit=3)
            seen += [c["id"] for c in page["changes"] if c["id"] > cursor]
            assert page["cursor"] >= cursor
            cursor = page["cursor"]
    assert seen == expected


def test_polls_with_the_same_cursor_in_the_same_quarter_second_share_one_answer(app, client, oa, owner,
                                                                             frozen_clock):
    """Fifty open consoles at the same cursor cost one rows statement, not fifty; new changes and the clock's
    next quarter second both end the sharing."""
    cursor = _read(client, owner)["cursor"]
    open_conversation(app, client, oa)
    statements = []

    def count(_conn, _cursor, statement, *_):
        if "console_change" in statement and "ORDER BY" in statement:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        answers = [_read(client, owner, cursor) for _ in range(5)]
        assert len(statements) == 1 and all(answer == answers[0] for answer in answers)
        open_conversation(app, client, oa, name="Khách Mới")  # a newer change: a new answer
        assert len(_read(client, owner, cursor)["changes"]) > len(answers[0]["changes"])
        frozen_clock.advance(seconds=changes.SHARE_SECONDS)
        _read(client, owner, cursor)
        assert len(statements) == 3
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
