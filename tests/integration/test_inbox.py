"""The shared inbox API: list filters and pages, detail, who sees what, reply, notes, close/reopen."""
import pytest

from miniapp_api.extensions import db
from miniapp_api.models import Conversation, Customer, CustomerTag, Tag
from tests.inbox_helpers import BASE, audit_actions, call, events, open_conversation
from tests.oa_helpers import run_worker
from tests.staff_helpers import auth, login, make_staff, staff_headers


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, "owner")


def _ids(body):
    return [item["id"] for item in body["items"]]


def test_list_pages_by_cursor_newest_first_without_gaps(app, client, oa, owner, frozen_clock):
    opened = []
    for i in range(5):
        opened.append(open_conversation(app, client, oa, name=f"Khách {i}", text=f"tin {i}"))
        frozen_clock.advance(minutes=1)
    seen, cursor = [], None
    while True:
        status, body = call(client, "GET", BASE, owner, query_string={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert status == 200
        seen += _ids(body)
        cursor = body.get("next_cursor")
        if not cursor:
            break
    assert seen == opened[::-1]
    assert call(client, "GET", BASE, owner, query_string={"cursor": "bogus!"})[0] == 422


def test_filters_status_assignee_waiting_window_tag(app, client, oa, owner, frozen_clock):
    agent_id = make_staff(app, "agent")
    old = open_conversation(app, client, oa, name="Khách Cũ")
    frozen_clock.advance(days=3)
    fresh = open_conversation(app, client, oa, name="Khách Mới")
    with app.app_context():
        conversation = db.session.get(Conversation, fresh)
        conversation.waiting_for_human = True
        tag = Tag(name="vip")
        db.session.add(tag)
        db.session.flush()
        db.session.add(CustomerTag(customer_id=conversation.customer_id, tag_id=tag.id))
        db.session.commit()
    owner = auth(login(client, "owner@shop.vn"))  # sessions last an hour; the clock moved on
    assert call(client, "POST", f"{BASE}/{old}/assign", owner, json={"staff_id": agent_id})[0] == 200

    def listed(**query):
        status, body = call(client, "GET", BASE, owner, query_string=query)
        assert status == 200, body
        return _ids(body)

    assert listed(window="free") == [fresh]
    assert listed(window="paid") == [old]
    assert listed(window="closed") == []
    assert listed(assignee_id=agent_id) == [old]
    assert listed(unassigned="true") == [fresh]
    assert listed(waiting="true") == [fresh]
    assert listed(tag="vip") == [fresh]
    assert listed(status="open") == [fresh, old]
    assert listed(status="closed") == []


def test_detail_shows_messages_notes_profile_and_timeline(app, client, oa, owner):
    cid = open_conversation(app, client, oa, name="Trần Thị Bích", text="Shop ơi còn size M không?")
    assert call(client, "POST", f"{BASE}/{cid}/notes", owner, json={"text": "Khách quen, ưu tiên"})[0] == 201
    status, body = call(client, "GET", f"{BASE}/{cid}", owner)
    assert status == 200
    assert [m["text"] for m in body["messages"]][-2:] == ["Shop ơi còn size M không?", "Khách quen, ưu tiên"]
    assert body["messages"][-1]["internal"] is True
    assert body["profile"]["zalo_display_name"] == "Trần Thị Bích"
    assert body["submissions"] == [] and body["orders"] == []
    assert body["events"][0]["kind"] == "opened" and body["window"] == "free"
    assert call(client, "GET", f"{BASE}/999999", owner)[0] == 404


def test_agents_see_their_own_and_unassigned_only(app, client, oa, owner):
    mine, free, theirs = (open_conversation(app, client, oa, name=n) for n in ("An", "Bình", "Chi"))
    agent = staff_headers(app, client, "agent")
    other_id = make_staff(app, "agent", "agent2@shop.vn")
    assert call(client, "POST", f"{BASE}/{mine}/claim", agent)[0] == 200
    assert call(client, "POST", f"{BASE}/{theirs}/assign", owner, json={"staff_id": other_id})[0] == 200
    assert sorted(_ids(call(client, "GET", BASE, agent)[1])) == sorted([mine, free])
    assert call(client, "GET", f"{BASE}/{theirs}", agent)[0] == 404
    status, body = call(client, "POST", f"{BASE}/{theirs}/notes", agent, json={"text": "x"})
    assert status == 404 and "agent2@shop.vn" not in body["detail"]  # not readable: not acted on either
    viewer = staff_headers(app, client, "viewer")
    assert len(_ids(call(client, "GET", BASE, viewer)[1])) == 3
    assert call(client, "POST", f"{BASE}/{free}/claim", viewer)[0] == 403


def test_reply_goes_out_through_the_oa_with_staff_authorship(app, client, oa, owner):
    cid = open_conversation(app, client, oa)
    oa.sent_messages.clear()
    status, message = call(client, "POST", f"{BASE}/{cid}/reply", owner, json={"text": "Dạ áo còn ạ"})
    assert status == 201 and message["author"] == "staff" and message["author_staff_id"]
    run_worker(app)
    assert [m["message"]["text"] for m in oa.sent_messages] == ["Dạ áo còn ạ"]
    assert any(r["path"] == "/v3.0/oa/message/cs" for r in oa.requests)
    assert events(app, cid)[-1][0] == "assigned"  # replying claims an unassigned conversation
    assert {"conversation.claim", "conversation.reply"} <= set(audit_actions(app))


def test_notes_are_never_sent(app, client, oa, owner):
    cid = open_conversation(app, client, oa)
    oa.sent_messages.clear()
    assert call(client, "POST", f"{BASE}/{cid}/notes", owner, json={"text": "ghi chú nội bộ"})[0] == 201
    run_worker(app)
    assert oa.sent_messages == []
    assert "conversation.note" in audit_actions(app)


def test_reply_outside_the_window_is_refused_with_the_reason(app, client, oa, owner, frozen_clock):
    cid = open_conversation(app, client, oa)
    frozen_clock.advance(days=8)
    owner = auth(login(client, "owner@shop.vn"))
    status, body = call(client, "POST", f"{BASE}/{cid}/reply", owner, json={"text": "Chào bạn"})
    assert status == 409 and "7 days" in body["detail"] and body["type"].endswith("window_closed")
    assert events(app, cid)[-1][0] != "assigned"  # the whole action rolled back


def test_collision_guard_and_explicit_take_over(app, client, oa, owner):
    cid = open_conversation(app, client, oa)
    agent = staff_headers(app, client, "agent", name="Lan")
    assert call(client, "POST", f"{BASE}/{cid}/claim", agent)[0] == 200
    status, body = call(client, "POST", f"{BASE}/{cid}/reply", owner, json={"text": "Chào"})
    assert status == 409 and "agent@shop.vn" in body["detail"]
    status, _ = call(client, "POST", f"{BASE}/{cid}/reply", owner, json={"text": "Chào", "take_over": True})
    assert status == 201
    kinds = events(app, cid)
    assert kinds[-2:][0][0] == "unassigned" and kinds[-1][0] == "assigned" and kinds[-1][2] == "take_over"
    assert call(client, "POST", f"{BASE}/{cid}/reply", agent, json={"text": "Em đây"})[0] == 404  # no longer theirs
    assert "conversation.take_over" in audit_actions(app)


def test_close_unassigns_and_reopen(app, client, oa, owner):
    cid = open_conversation(app, client, oa)
    assert call(client, "POST", f"{BASE}/{cid}/claim", owner)[0] == 200
    status, body = call(client, "POST", f"{BASE}/{cid}/close", owner)
    assert status == 200 and body["status"] == "closed" and body["assignee"] is None
    assert call(client, "POST", f"{BASE}/{cid}/reply", owner, json={"text": "x"})[0] == 409
    status, body = call(client, "POST", f"{BASE}/{cid}/reopen", owner)
    assert status == 200 and body["status"] == "open"
    assert [k for k, _, _ in events(app, cid)][-4:] == ["assigned", "unassigned", "closed", "reopened"]
    assert {"conversation.close", "conversation.reopen"} <= set(audit_actions(app))


def test_assign_and_unassign_by_admins_only(app, client, oa, owner):
    cid = open_conversation(app, client, oa)
    agent_id = make_staff(app, "agent")
    viewer_id = make_staff(app, "viewer")
    assert call(client, "POST", f"{BASE}/{cid}/assign", owner, json={"staff_id": viewer_id})[0] == 422
    status, body = call(client, "POST", f"{BASE}/{cid}/assign", owner, json={"staff_id": agent_id})
    assert status == 200 and body["assignee"]["id"] == agent_id
    status, body = call(client, "POST", f"{BASE}/{cid}/unassign", owner)
    assert status == 200 and body["assignee"] is None
    assert [k for k, _, _ in events(app, cid)][-2:] == ["assigned", "unassigned"]
    assert {"conversation.assign", "conversation.unassign"} <= set(audit_actions(app))


def test_api_key_with_conversations_read_may_list(app, client, oa, owner):
    open_conversation(app, client, oa)
    status, key = call(client, "POST", "/api/v1/admin/api-keys", owner,
                       json={"name": "bi", "scopes": ["conversations:read"]})
    headers = {"Authorization": f"Bearer {key['secret']}"}
    assert len(call(client, "GET", BASE, headers)[1]["items"]) == 1
    assert call(client, "POST", f"{BASE}/1/claim", headers)[0] == 403


def test_customer_model_keeps_search_text(app):
    with app.app_context():
        customer = Customer(full_name="Đặng Thị Ánh", source="test")
        db.session.add(customer)
        db.session.commit()
        assert customer.search_text == "dang thi anh"
