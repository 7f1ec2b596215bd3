"""Search ignores Vietnamese diacritics and case, on messages and customers, in both databases."""
import pytest

from miniapp_api.extensions import db
from miniapp_api.models import Customer, Message
from miniapp_api.services.inbox.search_text import normalise
from tests.inbox_helpers import BASE, call, open_conversation
from tests.staff_helpers import make_staff, staff_headers


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, "owner")


def test_normalise_drops_marks_and_case():
    assert normalise("Nguyễn Văn A") == "nguyen van a"
    assert normalise("ĐẶNG thị Ánh, 0912-345-678!") == "dang thi anh 0912 345 678"


@pytest.mark.parametrize("query", ["nguyen van a", "Nguyễn Văn A", "NGUYEN", "văn", "an nguy"])
def test_customer_found_with_and_without_diacritics(app, client, oa, owner, query):
    cid = open_conversation(app, client, oa, name="Nguyễn Văn An", text="xin chào")
    open_conversation(app, client, oa, name="Trần Bình", text="hello")
    status, body = call(client, "GET", "/api/v1/admin/search", owner, query_string={"q": query})
    assert status == 200
    assert [c["zalo_display_name"] for c in body["customers"]] == ["Nguyễn Văn An"]
    status, page = call(client, "GET", BASE, owner, query_string={"q": query})
    assert [item["id"] for item in page["items"]] == [cid]


def test_message_history_is_searched(app, client, oa, owner):
    cid = open_conversation(app, client, oa, name="Lê Hoa", text="Áo sơ mi trắng còn size L không ạ?")
    open_conversation(app, client, oa, name="Phạm Minh", text="Giày thể thao giá bao nhiêu?")
    for query in ("ao so mi trang", "SƠ MI", "size l"):
        status, body = call(client, "GET", "/api/v1/admin/search", owner, query_string={"q": query})
        assert status == 200 and [hit["conversation_id"] for hit in body["messages"]] == [cid], query
    assert call(client, "GET", "/api/v1/admin/search", owner, query_string={"q": "quần jean"})[1]["messages"] == []
    assert call(client, "GET", "/api/v1/admin/search", owner, query_string={"q": "!!!"})[1] == {
        "customers": [], "messages": []}


def test_phone_and_email_are_searchable_in_local_form(app, client, oa, owner):
    with app.app_context():
        from miniapp_api.models import CustomerIdentity
        customer = Customer(full_name="Võ Thị Mai", email="mai.vo@example.vn", source="test")
        customer.identities.append(CustomerIdentity(kind="phone", value="+84912345678", source="test"))
        db.session.add(customer)
        db.session.commit()
    for query in ("0912345678", "84912345678", "mai.vo"):
        status, body = call(client, "GET", "/api/v1/admin/search", owner, query_string={"q": query})
        assert [c["full_name"] for c in body["customers"]] == ["Võ Thị Mai"], query


def test_edits_keep_the_index_current(app, client, oa, owner):
    open_conversation(app, client, oa, name="Hồ Quang", text="đặt bàn tối nay")
    with app.app_context():
        message = db.session.scalar(db.select(Message).where(Message.text == "đặt bàn tối nay"))
        message.text = "hủy đặt bàn"
        db.session.commit()
    hits = lambda q: call(client, "GET", "/api/v1/admin/search", owner, query_string={"q": q})[1]["messages"]  # noqa: E731
    assert hits("toi nay") == [] and len(hits("huy dat ban")) == 1


def test_agents_search_only_what_they_may_see(app, client, oa, owner):
    theirs = open_conversation(app, client, oa, name="Đỗ Thu", text="mua hàng sỉ")
    other = make_staff(app, "agent", "other@shop.vn")
    assert call(client, "POST", f"{BASE}/{theirs}/assign", owner, json={"staff_id": other})[0] == 200
    agent = staff_headers(app, client, "agent")
    status, body = call(client, "GET", "/api/v1/admin/search", agent, query_string={"q": "do thu"})
    assert status == 200 and body == {"customers": [], "messages": []}
    assert call(client, "GET", "/api/v1/admin/search", agent, query_string={"q": "mua hang si"})[1]["messages"] == []
