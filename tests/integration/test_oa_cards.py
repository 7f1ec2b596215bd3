"""Mini App links and Zalo's request-user-info card through the real paths: welcome, staff, auto-reply rules.

Every send goes to the strict emulator (it refuses undocumented shapes, tests/integration/test_oa_shapes.py),
and the card's answer comes back as a signed `user_submit_info` webhook from the emulator's simulator, over HTTP.
"""
import pytest
import requests

from miniapp_api.models import Customer, Message
from sandbox.server import BackgroundServer
from tests.inbox_helpers import BASE, audit_actions, call, open_conversation
from tests.oa_helpers import customer_says, messages, one, run_worker, zalo_window
from tests.staff_helpers import auth, login, staff_headers

MINIAPP_ID = "194839900003483517"
CARD_DEFAULT_IMAGE = "http://127.0.0.1:8000/miniapp/info-card.png"


def _cards(zalo):
    return [m["message"]["attachment"]["payload"] for m in zalo.sent_messages
            if (m["message"].get("attachment") or {}).get("payload", {}).get("template_type") == "request_user_info"]


def test_with_a_mini_app_id_the_welcome_links_to_the_mini_app_in_zalo(client, app, oa):
    zalo_window(oa, follow_opens_window=True)  # Zalo's quota answer says the follow opened the window
    app.config["ZALO_MINIAPP_ID"] = MINIAPP_ID
    customer_says(client, oa, oa.create_user("Khách"), "follow")
    run_worker(app)
    [welcome] = oa.sent_messages
    assert welcome["message"]["text"].endswith(
        f"Để lại thông tin: https://zalo.me/s/{MINIAPP_ID}/?form=lien-he&utm_source=oa_welcome")


def test_welcome_may_be_the_info_request_card(client, app, oa):
    zalo_window(oa, follow_opens_window=True)  # Zalo's quota answer says the follow opened the window
    app.config["OA_WELCOME_KIND"] = "request_user_info"
    customer_says(client, oa, oa.create_user("Khách"), "follow")
    run_worker(app)
    assert _cards(oa) == [{"template_type": "request_user_info", "elements": [{
        "title": "Để lại thông tin cho cửa hàng", "image_url": CARD_DEFAULT_IMAGE,
        "subtitle": "Chia sẻ tên, số điện thoại và địa chỉ để cửa hàng tư vấn cho bạn nhanh nhất."}]}]
    [stored] = messages(app)
    assert (stored.type, stored.author, stored.delivery_state) == ("request_user_info", "system", "sent")


def test_the_welcome_without_the_form_link_is_the_bare_text(client, app, oa):
    zalo_window(oa, follow_opens_window=True)  # Zalo's quota answer says the follow opened the window
    app.config["OA_WELCOME_FORM_LINK"] = False
    customer_says(client, oa, oa.create_user("Khách"), "follow")
    run_worker(app)
    assert [m["message"] for m in oa.sent_messages] == [{"text": app.config["OA_WELCOME_TEXT_VI"]}]


def test_auto_reply_rule_sends_the_card_and_a_mini_app_link(client, app, runner, oa, frozen_clock):
    app.config["ZALO_MINIAPP_ID"] = MINIAPP_ID
    result = runner.invoke(args=["rules", "add", "--name", "info", "--pattern", "tư vấn", "--reply",
                                 "Bạn để lại thông tin nhé.", "--form-link", "--info-request"])
    assert result.exit_code == 0, result.output
    assert "reply+form+info-request" in runner.invoke(args=["rules", "list"]).output
    customer_says(client, oa, oa.create_user("Khách"), "text", text="Cần tư vấn")
    run_worker(app)
    texts = [m["message"]["text"] for m in oa.sent_messages if "text" in m["message"]]
    assert texts == [
        f"Bạn để lại thông tin nhé.\nhttps://zalo.me/s/{MINIAPP_ID}/?form=lien-he&utm_source=oa_auto_reply"]
    assert len(_cards(oa)) == 1
    assert [m.author for m in messages(app) if m.direction == "out"] == ["bot", "bot"]


def test_rules_export_and_import_keep_the_card_action(runner, app):
    runner.invoke(args=["rules", "add", "--name", "card-only", "--pattern", "dia chi", "--info-request"])
    exported = runner.invoke(args=["rules", "export"]).output
    assert '"send_info_request": true' in exported
    assert runner.invoke(args=["rules", "import", "-"], input=exported).exit_code == 0


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, "owner")


def _simulate_submit_info(app, zalo, user, info):
    """The customer fills Zalo's card: the emulator's simulator signs and posts `user_submit_info` over HTTP."""
    with BackgroundServer(app) as backend:
        for path, body in (("/_sandbox/webhook", {"url": backend.url + "/webhooks/zalo"}),
                           ("/_sandbox/simulate/submit_info", {"user": user.oa_user_id, "info": info})):
            response = requests.post(zalo.url + path, json=body, timeout=10)
            assert response.status_code == 200, response.text
            response.close()


def test_staff_send_the_card_and_the_answer_lands_on_the_profile(app, client, oa, owner):
    cid = open_conversation(app, client, oa, name="Khách Zalo")
    user = next(u for u in oa.users.values() if u.name == "Khách Zalo")
    oa.sent_messages.clear()
    status, message = call(client, "POST", f"{BASE}/{cid}/info-request", owner,
                           json={"title": "Cho shop xin địa chỉ giao hàng"})
    assert status == 201 and (message["type"], message["author"]) == ("request_user_info", "staff")
    assert message["author_staff_id"]
    run_worker(app)
    [card] = _cards(oa)
    assert card["elements"][0]["title"] == "Cho shop xin địa chỉ giao hàng"
    assert one(app, Message, Message.id == message["id"]).delivery_state == "sent"
    assert "conversation.info_request" in audit_actions(app)

    _simulate_submit_info(app, oa, user, {"name": "Trần Thị Bình", "phone": "84912345678", "full_address": {
        "user_city": "Hà Nội", "user_ward": "Phường Tràng Tiền", "user_address": "12 Tràng Tiền"}})
    run_worker(app)
    customer = one(app, Customer)
    assert customer.full_name == "Trần Thị Bình"
    assert customer.address == "12 Tràng Tiền, Phường Tràng Tiền, Hà Nội"
    assert [m.type for m in messages(app)][-1] == "submit_info"


@pytest.mark.parametrize("body,status,field", [
    ({"title": "t" * 101}, 422, "title"),
    ({"subtitle": "s" * 501}, 422, "subtitle"),
    ({"title": "   "}, 422, "title"),
])
def test_a_card_zalo_would_refuse_is_a_422_naming_the_field(app, client, oa, owner, body, status, field):
    cid = open_conversation(app, client, oa)
    code, problem = call(client, "POST", f"{BASE}/{cid}/info-request", owner, json=body)
    assert code == status and field in problem["errors"]


def test_the_card_obeys_the_window_and_the_collision_guard(app, client, oa, owner, frozen_clock):
    cid = open_conversation(app, client, oa)
    agent = staff_headers(app, client, "agent", name="Lan")
    assert call(client, "POST", f"{BASE}/{cid}/claim", agent)[0] == 200
    status, problem = call(client, "POST", f"{BASE}/{cid}/info-request", owner, json={})
    assert status == 409 and "agent@shop.vn" in problem["detail"]
    viewer = staff_headers(app, client, "viewer")
    assert call(client, "POST", f"{BASE}/{cid}/info-request", viewer, json={})[0] == 403
    frozen_clock.advance(days=8)
    owner = auth(login(client, "owner@shop.vn"))  # (the session did not last 8 days either)
    status, problem = call(client, "POST", f"{BASE}/{cid}/info-request", owner, json={"take_over": True})
    assert status == 409 and problem["type"].endswith("window_closed")
