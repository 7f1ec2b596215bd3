"""Staff see only what their role allows: agents one rule for conversations and customers (404 otherwise,
never a colleague's email), viewers masked phones unless the owner allows full ones."""
import json

import pytest
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Customer, OaContact
from tests.customer_helpers import full_customer
from tests.inbox_helpers import BASE, call, open_conversation
from tests.oa_helpers import customer_says, run_worker
from tests.staff_helpers import make_staff, staff_headers

ADMIN_API = "/api/v1/admin"


def _customer_ref(app, conversation_id: int) -> str:
    from miniapp_api.models import Conversation

    with app.app_context():
        return db.session.scalar(sa.select(Customer.ref).join(Conversation, Conversation.customer_id == Customer.id)
                                 .where(Conversation.id == conversation_id))


def test_an_agent_cannot_read_or_reopen_a_conversation_another_agent_closed(app, client, oa):
    cid = open_conversation(app, client, oa, name="Phạm Thu Hà", phone="84912345678")
    first = staff_headers(app, client, "agent", "lan@shop.vn")
    second = staff_headers(app, client, "agent", "minh@shop.vn")
    assert call(client, "POST", f"{BASE}/{cid}/claim", first)[0] == 200
    assert call(client, "POST", f"{BASE}/{cid}/close", first)[0] == 200
    ref = _customer_ref(app, cid)

    assert call(client, "GET", f"{ADMIN_API}/customers/{ref}", second)[0] == 404
    assert call(client, "GET", f"{BASE}/{cid}", second)[0] == 404  # the same rule as for the customer
    assert call(client, "GET", BASE, second)[1]["items"] == []
    found = call(client, "GET", f"{ADMIN_API}/search?q=0912345678", second)[1]
    assert found == {"customers": [], "messages": []}
    assert call(client, "POST", f"{BASE}/{cid}/reopen", second)[0] == 403  # reopening is for owners and admins
    for action in ("claim", "close"):
        assert call(client, "POST", f"{BASE}/{cid}/{action}", second)[0] == 404
    assert call(client, "POST", f"{BASE}/{cid}/notes", second, json={"text": "x"})[0] == 404
    assert call(client, "POST", f"{BASE}/{cid}/reply", second, json={"text": "x"})[0] == 404

    customer_says(client, oa, oa.user_by_oa_id(_oa_user_id(app, ref)), "text", text="Em hỏi thêm")
    run_worker(app)  # the customer writes again: reopened, unassigned, in every agent's queue
    assert call(client, "GET", f"{BASE}/{cid}", second)[0] == 200
    assert call(client, "GET", f"{ADMIN_API}/customers/{ref}", second)[0] == 200


def _oa_user_id(app, ref: str) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(OaContact.oa_user_id).join(Customer, Customer.id == OaContact.customer_id)
                                 .where(Customer.ref == ref))


def test_actions_on_a_colleagues_conversation_are_404_without_their_email(app, client, oa):
    cid = open_conversation(app, client, oa)
    holder = staff_headers(app, client, "agent", "lan@shop.vn")
    other = staff_headers(app, client, "agent", "minh@shop.vn")
    assert call(client, "POST", f"{BASE}/{cid}/claim", holder)[0] == 200
    for method, path, body in (("POST", "claim", None), ("POST", "close", None), ("POST", "notes", {"text": "x"}),
                               ("POST", "reply", {"text": "x"}), ("GET", "", None)):
        status, problem = call(client, method, f"{BASE}/{cid}/{path}".rstrip("/"), other, json=body)
        assert status == 404, (path, status)
        assert "lan@shop.vn" not in json.dumps(problem)


@pytest.fixture
def customer_with_phones(app, client, oa):
    person = full_customer(client, app, oa, order=False)
    customer_says(client, oa, person["user"], "submit_info")
    run_worker(app)
    return person


def _phone_texts(app, client, headers, ref) -> str:
    """Every response a viewer can read about the customer, as one text."""
    with app.app_context():
        from miniapp_api.models import Conversation

        cid = db.session.scalar(sa.select(Conversation.id).join(Customer, Customer.id == Conversation.customer_id)
                                .where(Customer.ref == ref))
    bodies = [call(client, "GET", f"{ADMIN_API}/customers", headers)[1],
              call(client, "GET", f"{ADMIN_API}/customers/{ref}", headers)[1],
              call(client, "GET", f"{BASE}/{cid}", headers)[1]]
    return json.dumps(bodies, ensure_ascii=False)


def test_viewers_see_masked_phones_unless_the_owner_allows_full_ones(app, client, customer_with_phones):
    ref = customer_with_phones["ref"]
    viewer = staff_headers(app, client, "viewer")
    owner = staff_headers(app, client, "owner")
    shown = _phone_texts(app, client, viewer, ref)
    assert "987654321" not in shown and "987 654 321" not in shown
    assert '"phone": "+84 98* *** *21"' in shown  # the profile's phone and the user_submit_info card, masked
    detail = call(client, "GET", f"{ADMIN_API}/customers/{ref}", viewer)[1]
    assert detail["phone"] == "+84 98* *** *21" and detail["phones"][0]["e164"] == "+84 98* *** *21"
    assert "+84987654321" in _phone_texts(app, client, owner, ref)  # other roles see them whole

    app.config["VIEWERS_SEE_FULL_PHONES"] = True
    assert "+84987654321" in _phone_texts(app, client, viewer, ref)


def test_a_viewer_paging_through_every_customer_sees_no_phone(app, client, oa):
    make_staff(app, "owner")
    with app.app_context():
        from miniapp_api.services.customers.profiles import Claim, resolve_profile

        for n in range(30):
            resolve_profile(db.session, [Claim("phone", f"+8491234{n:04d}", False, "pos")], facts={"full_name": f"K{n}"})
        db.session.commit()
    viewer = staff_headers(app, client, "viewer")
    seen, cursor = [], None
    while True:
        page = call(client, "GET", f"{ADMIN_API}/customers?limit=200" + (f"&cursor={cursor}" if cursor else ""),
                    viewer)[1]
        seen += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert len(seen) == 30
    assert all(c["phone"].startswith("+84 91* ***") and "*" in c["phones"][0]["e164"] for c in seen)
