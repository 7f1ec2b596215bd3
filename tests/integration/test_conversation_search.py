"""The conversation list's `q` filter reads a per-conversation search document that every write keeps
current (new messages, edits, profile renames, merges, erasure), on both databases."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Conversation, ConversationSearch, Customer, Message, OaContact
from miniapp_api.services.inbox import documents
from tests.inbox_helpers import BASE, call, open_conversation
from tests.oa_helpers import customer_says, run_worker
from tests.staff_helpers import make_staff, staff_headers

START = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, "owner")


def _listed(client, headers, q: str, **params) -> list[int]:
    status, body = call(client, "GET", BASE, headers, query_string={"q": q, **params})
    assert status == 200, body
    return [item["id"] for item in body["items"]]


def _walk(client, headers, q: str, limit: int) -> list[int]:
    """Every page of the list for `q`, in order."""
    seen, cursor = [], None
    while True:
        params = {"q": q, "limit": limit, **({"cursor": cursor} if cursor else {})}
        status, body = call(client, "GET", BASE, headers, query_string=params)
        assert status == 200, body
        seen += [item["id"] for item in body["items"]]
        if not (cursor := body.get("next_cursor")):
            return seen


def _document(app, conversation_id: int) -> tuple[str | None, str | None]:
    with app.app_context():
        row = db.session.get(ConversationSearch, conversation_id)
        return row.customer_text, row.message_text


def _conversation(name: str, texts: list[str], minutes: int) -> int:
    """A customer with one conversation and its messages, written through the ORM (inside an app context)."""
    person = Customer(full_name=name, source="test")
    db.session.add(person)
    db.session.flush()
    contact = OaContact(oa_user_id=f"oa-{person.id}", customer_id=person.id)
    at = START + dt.timedelta(minutes=minutes)
    conversation = Conversation(contact=contact, customer_id=person.id, opened_at=at, updated_at=at)
    db.session.add(conversation)
    db.session.flush()
    for text in texts:
        db.session.add(Message(conversation_id=conversation.id, direction="in", author="customer", type="text",
                               text=text, sent_at=at, created_at=at))
    db.session.commit()
    return conversation.id


def test_new_messages_and_edits_reach_the_document(app, client, oa, owner):
    user = oa.create_user("Lê Thị Hạnh")
    customer_says(client, oa, user, "text", text="Cho mình hỏi giá áo")
    run_worker(app)
    [cid] = _listed(client, owner, "le thi hanh")
    assert _listed(client, owner, "giày thể thao") == []
    customer_says(client, oa, user, "text", text="Còn giày thể thao size 40 không?")
    run_worker(app)
    assert _listed(client, owner, "giay the thao") == [cid]
    assert _document(app, cid) == ("le thi hanh le thi hanh",  # full name and Zalo name
                                   "cho minh hoi gia ao con giay the thao size 40 khong")
    with app.app_context():
        message = db.session.scalar(sa.select(Message).where(Message.text == "Cho mình hỏi giá áo"))
        message.text = "Cho mình hỏi giá quần"
        db.session.commit()
    assert _listed(client, owner, "gia quan") == [cid]
    assert _document(app, cid)[1] == "cho minh hoi gia quan con giay the thao size 40 khong"


def test_words_may_come_from_the_profile_and_different_messages(app, owner, client):
    with app.app_context():
        lan = _conversation("Trần Thị Lan", ["Áo sơ mi trắng còn không?", "Giao về Đà Nẵng nhé"], 1)
        _conversation("Phạm Văn Lân", ["Quần jean xanh"], 2)
    assert _listed(client, owner, "lan ao da nang") == [lan]
    assert len(_listed(client, owner, "Lân")) == 2 and _listed(client, owner, "Lân") == _listed(client, owner, "lan")


def test_profile_edits_rename_the_document(app, client, oa, owner):
    cid = open_conversation(app, client, oa, name="Hồ Quang", text="đặt bàn tối nay")
    with app.app_context():
        ref = db.session.scalar(sa.select(Customer.ref).join(Conversation).where(Conversation.id == cid))
    status, body = call(client, "PATCH", f"/api/v1/admin/customers/{ref}", owner,
                        json={"full_name": "Hồ Quang Vinh", "email": "vinh.ho@example.vn"})
    assert status == 200, body
    assert _listed(client, owner, "quang vinh") == [cid] and _listed(client, owner, "vinh.ho") == [cid]


def test_merge_moves_conversations_to_the_survivors_text(app, client, oa, owner):
    kept = open_conversation(app, client, oa, name="Ngô Bảo Châu", text="xin chào")
    with app.app_context():
        moved = _conversation("Khách POS Khánh", ["mua sỉ 50 áo"], 5)
        survivor, other = db.session.scalars(sa.select(Customer.ref).join(Conversation)
                                             .where(Conversation.id.in_((kept, moved))).order_by(Conversation.id))
    assert _listed(client, owner, "khanh") == [moved]
    status, body = call(client, "POST", f"/api/v1/admin/customers/{survivor}/merge", owner, json={"other_ref": other})
    assert status == 200, body
    assert _listed(client, owner, "khanh") == []
    assert set(_listed(client, owner, "bao chau")) == {kept, moved}
    assert _listed(client, owner, "bao chau mua si") == [moved]


def test_erasure_empties_the_document(app, client, oa, owner):
    cid = open_conversation(app, client, oa, name="Trần Thị Bích", text="Cho em hỏi giá váy đỏ ạ", phone="84987654321")
    with app.app_context():
        ref = db.session.scalar(sa.select(Customer.ref).join(Conversation).where(Conversation.id == cid))
    assert _listed(client, owner, "vay do") == [cid] and _listed(client, owner, "bich") == [cid]
    status, body = call(client, "POST", f"/api/v1/admin/customers/{ref}/erase", owner)
    assert status == 200, body
    assert _document(app, cid) == (None, None)
    for query in ("vay do", "bich", "0987654321"):
        assert _listed(client, owner, query) == [], query


@pytest.mark.parametrize("gather_limit", [documents.GATHER_LIMIT, 2], ids=["ids-as-list", "ids-as-subquery"])
def test_pages_walk_then_ask_the_index_in_activity_order(app, client, owner, monkeypatch, gather_limit):
    """A tiny window makes the walk run out, so later pages come from the index; the order never changes,
    whether the index's answer is few enough to hand on as a list of ids or stays a subquery."""
    monkeypatch.setattr(documents, "WINDOW", 3)
    monkeypatch.setattr(documents, "GATHER_LIMIT", gather_limit)
    with app.app_context():
        matching = [_conversation(f"Khách {i}", ["giao hàng nhanh", "cảm ơn"], minutes=10 * i) for i in range(6)]
        for i in range(5):
            _conversation(f"Người {i}", ["cảm ơn shop"], minutes=100 + i)  # newer, not matching
        matching.append(_conversation("Khách mới", ["GIAO HÀNG chậm quá"], minutes=3))  # older than most
    expected = matching[5:0:-1] + [matching[-1], matching[0]]  # by activity: minutes 50, 40, 30, 20, 10, 3, 0
    for limit in (1, 2, 3, 25):
        assert _walk(client, owner, "giao hang", limit) == expected, limit
    assert _walk(client, owner, "ao", 2) == expected  # short words only ("giao"): no index, still every page
    assert _walk(client, owner, "on", 2) == _walk(client, owner, "cam on", 100)


def test_a_word_nobody_wrote_is_answered_by_the_index_alone(app, client, owner, monkeypatch):
    """Past the window, an absent word costs one index lookup that finds nothing: the ordered query then gets
    an empty list of ids and never tests a document's text (what made such searches read every document)."""
    monkeypatch.setattr(documents, "WINDOW", 2)
    with app.app_context():
        for i in range(5):
            _conversation(f"Khách {i}", ["giao hàng nhanh"], minutes=i)
    statements: list[str] = []

    def record(conn, cursor, statement, *rest):
        statements.append(statement)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert _listed(client, owner, "xe đạp điện") == []
    finally:
        with app.app_context():
            sa.event.remove(db.engine, "before_cursor_execute", record)
    lookups = [s for s in statements if "conversation_search_fts" in s or " LIKE " in s]
    assert len(lookups) == 1, lookups  # asked once ...
    assert "updated_at" not in lookups[0]  # ... alone: the ordered query got its (empty) answer as ids


def test_agents_find_only_conversations_they_may_read(app, client, oa, owner):
    mine = open_conversation(app, client, oa, name="Đỗ Thu", text="mua hàng sỉ")
    theirs = open_conversation(app, client, oa, name="Đỗ Thu Hà", text="mua hàng sỉ")
    other = make_staff(app, "agent", "other@shop.vn")
    assert call(client, "POST", f"{BASE}/{theirs}/assign", owner, json={"staff_id": other})[0] == 200
    agent = staff_headers(app, client, "agent")
    assert _listed(client, agent, "mua hang si") == [mine]
    assert _listed(client, owner, "mua hang si") == [theirs, mine]
    assert _listed(client, owner, "mua hang si", assignee_id=other) == [theirs]
