"""Per-person read markers: each person's list counts the customer messages they have not read; marking is
per person, moves only forward, and counts neither staff replies nor notes; API keys have no one to read."""
import pytest

from tests.inbox_helpers import BASE, call, open_conversation
from tests.oa_helpers import customer_says, run_worker
from tests.staff_helpers import staff_headers

LIST = "/api/v1/admin/conversations"


def _unread(client, headers) -> dict:
    status, page = call(client, "GET", LIST, headers)
    assert status == 200, page
    return {item["id"]: item.get("unread") for item in page["items"]}


def _mark(client, headers, cid, **body) -> int:
    """The status of marking `cid` read (a 204 has no body for `call` to read)."""
    with client.post(f"{BASE}/{cid}/read", headers=headers, json=body) as response:
        return response.status_code


@pytest.fixture
def people(app, client):
    return staff_headers(app, client, "owner"), staff_headers(app, client, "admin", "hoa@shop.vn")


def test_each_person_reads_for_themselves_and_only_customer_messages_count(app, client, oa, people):
    owner, admin = people
    cid = open_conversation(app, client, oa, text="Còn áo size M không?")
    user = next(iter(oa.users.values()))
    customer_says(client, oa, user, "text", text="Mình lấy 2 cái")
    run_worker(app)
    assert _unread(client, owner) == {cid: 2} and _unread(client, admin) == {cid: 2}

    assert _mark(client, owner, cid) == 204
    assert _unread(client, owner) == {cid: 0} and _unread(client, admin) == {cid: 2}

    assert call(client, "POST", f"{BASE}/{cid}/reply", owner, json={"text": "Dạ còn ạ"})[0] == 201
    assert call(client, "POST", f"{BASE}/{cid}/notes", admin, json={"text": "khách quen"})[0] == 201
    assert _unread(client, owner) == {cid: 0}  # a reply or a note is nobody's unread message
    customer_says(client, oa, user, "text", text="Ship về Đà Nẵng nhé")
    run_worker(app)
    assert _unread(client, owner) == {cid: 1} and _unread(client, admin) == {cid: 3}


def test_a_marker_never_moves_back_and_must_name_a_message_of_the_conversation(app, client, oa, people):
    owner, _ = people
    cid = open_conversation(app, client, oa, text="Xin chào")
    first = call(client, "GET", f"{BASE}/{cid}", owner)[1]["messages"][0]["id"]
    other = open_conversation(app, client, oa, name="Trần Bình", text="Alo")
    user = oa.users[next(iter(oa.users))]
    customer_says(client, oa, user, "text", text="Còn hàng không?")
    run_worker(app)
    assert _mark(client, owner, cid) == 204
    assert _mark(client, owner, cid, message_id=first) == 204  # an old tab
    assert _unread(client, owner)[cid] == 0
    foreign = call(client, "GET", f"{BASE}/{other}", owner)[1]["messages"][0]["id"]
    status, problem = call(client, "POST", f"{BASE}/{cid}/read", owner, json={"message_id": foreign})
    assert status == 422 and "message_id" in problem["errors"]
    assert _mark(client, owner, 999999) == 404


def test_agents_mark_only_what_they_may_read_and_api_keys_have_no_marker(app, client, oa, people):
    owner, _ = people
    lan = staff_headers(app, client, "agent", "lan@shop.vn")
    binh = staff_headers(app, client, "agent", "binh@shop.vn")
    cid = open_conversation(app, client, oa)
    assert call(client, "POST", f"{BASE}/{cid}/claim", lan)[0] == 200
    assert _mark(client, binh, cid) == 404  # Lan's: Bình cannot read it
    assert _mark(client, lan, cid) == 204
    key = call(client, "POST", "/api/v1/admin/api-keys", owner, json={"name": "crm", "scopes": ["conversations:read"]})[1]
    integration = {"Authorization": f"Bearer {key['secret']}"}
    assert _unread(client, integration) == {cid: None}
    assert _mark(client, integration, cid) == 403
