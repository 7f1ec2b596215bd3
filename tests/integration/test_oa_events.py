"""Every OA event type, from realistic payloads, through the webhook and the worker."""
import pytest

from miniapp_api.models import Conversation, Customer, Message, OaContact, OaOutbound
from miniapp_api.models.customer import PHONE
from sandbox.server import BackgroundServer
from sandbox.zalo.simulator import MESSAGE_ACTIONS, build_event
from tests.helpers import bearer, contact_values, open_session, zalo_user
from tests.oa_helpers import count, customer_says, messages, one, post_event, run_worker, zalo_window


def _customer(app, contact):
    from miniapp_api.extensions import db
    from miniapp_api.services.customers.snapshots import customer_snapshot

    with app.app_context():
        return customer_snapshot(db.session, db.session.get(Customer, contact.customer_id))


def test_follow_links_identities_keeps_status_and_queues_a_welcome_with_the_form_link(client, app, oa):
    zalo_window(oa, follow_opens_window=True)  # Zalo's quota answer says the follow opened the window
    user = oa.create_user("Nguyễn Văn An")
    customer_says(client, oa, user, "follow")
    run_worker(app)
    contact = one(app, OaContact)
    assert (contact.is_follower, contact.follow_source) == (True, "oa_profile")
    assert _customer(app, contact)["zalo"] == {"app_user_id": user.app_user_id, "oa_user_id": user.oa_user_id}
    [welcome] = oa.sent_messages  # accepted by the emulator, which refuses every undocumented shape
    assert welcome["user_id"] == user.oa_user_id
    assert set(welcome["message"]) == {"text"}
    assert welcome["message"]["text"].startswith("Cảm ơn bạn")
    assert welcome["message"]["text"].endswith(
        "\nĐể lại thông tin: http://127.0.0.1:8000/miniapp/?form=lien-he&utm_source=oa_welcome")
    assert [m.author for m in messages(app)] == ["system"]


def test_unfollow_updates_follower_status(client, app, oa):
    user = oa.create_user("Nguyễn Văn An")
    customer_says(client, oa, user, "follow")
    oa_clock = oa.clock()
    customer_says(client, oa, user, "unfollow", timestamp_ms=int(oa_clock * 1000) + 1000)
    run_worker(app)
    contact = one(app, OaContact)
    assert contact.is_follower is False and contact.unfollowed_at is not None


def test_unfollow_before_follow_keeps_the_later_state(client, app, oa):
    user = oa.create_user("Nguyễn Văn An")
    now_ms = int(oa.clock() * 1000)
    post_event(client, oa, build_event(oa, "unfollow", user, timestamp_ms=now_ms))
    run_worker(app)
    post_event(client, oa, build_event(oa, "follow", user, timestamp_ms=now_ms - 60_000))
    run_worker(app)
    assert one(app, OaContact).is_follower is False


@pytest.mark.parametrize("action", MESSAGE_ACTIONS)
def test_every_user_message_type_becomes_a_message(client, app, oa, action):
    user = oa.create_user("Đỗ Minh")
    payload = customer_says(client, oa, user, action)
    run_worker(app)
    message = [m for m in messages(app) if m.direction == "in"][0]
    assert (message.type, message.author, message.zalo_msg_id) == (action, "customer", payload["message"]["msg_id"])
    if action == "text":
        assert message.text == "Xin chào shop"
    else:
        assert message.attachments[0]["type"] == action
    if action == "location":
        assert message.attachments[0]["payload"]["coordinates"]["latitude"] == "21.0285"
    if action in ("image", "file"):
        assert message.attachments[0]["payload"]["url"].startswith("https://")
    conversation = one(app, Conversation)
    assert conversation.status == "open" and conversation.last_customer_message_at is not None
    assert one(app, OaContact).last_interaction_at == conversation.last_customer_message_at


def test_closed_conversation_is_reopened(client, app, oa):
    from miniapp_api.extensions import db

    user = oa.create_user("Đỗ Minh")
    customer_says(client, oa, user, "text", text="một")
    run_worker(app)
    with app.app_context():
        db.session.scalar(db.select(Conversation)).status = "closed"
        db.session.commit()
    customer_says(client, oa, user, "text", text="hai")
    run_worker(app)
    assert count(app, Conversation) == 1
    assert one(app, Conversation).status == "open"


def test_first_contact_is_enriched_through_the_queue_not_inline(client, app, oa):
    user = oa.create_user("Vũ Thị Hoa", phone="84901234567", avatar="https://s120.zadn.vn/hoa.jpg")
    customer_says(client, oa, user, "text")
    with app.app_context():
        from miniapp_api.services.oa.webhook_inbox import process_due

        process_due(app, "inbox-only")
    assert not [r for r in oa.requests if r["path"] == "/v3.0/oa/user/detail"]
    assert (one(app, OaOutbound).kind, one(app, OaOutbound).status) == ("user_detail", "pending")
    run_worker(app)
    customer_says(client, oa, user, "text", text="lần hai")
    run_worker(app)
    calls = [r for r in oa.requests if r["path"] == "/v3.0/oa/user/detail"]
    assert len(calls) == 1 and calls[0]["args"]["data"] == '{"user_id": "%s"}' % user.oa_user_id
    assert calls[0]["headers"]["access_token"].startswith("oa_at_")
    profile = _customer(app, one(app, OaContact))
    assert profile["zalo_display_name"] == "Vũ Thị Hoa"
    assert profile["avatar_url"] == "https://s120.zadn.vn/hoa.jpg"
    assert profile["phones"] == [{"e164": "+84901234567", "verified": False}]


def test_submit_info_nested_shape_updates_the_profile_like_a_form(client, app, oa):
    user = oa.create_user("Khách")
    customer_says(client, oa, user, "submit_info", info={
        "name": "Name Example", "phone": "84912345678", "user_dob": "30/10/1999", "gender": "Nam",
        "full_address": {"user_city": "Hà Nội", "user_ward": "Phường Tràng Tiền", "user_address": "12 Tràng Tiền"}})
    run_worker(app)
    profile = _customer(app, one(app, OaContact))
    assert profile["full_name"] == "Name Example"
    assert profile["phones"] == [{"e164": "+84912345678", "verified": False}]
    assert profile["address"] == "12 Tràng Tiền, Phường Tràng Tiền, Hà Nội"
    assert profile["attributes"] == {"dob": "30/10/1999", "gender": "Nam"}
    assert [m.type for m in messages(app) if m.direction == "in"] == ["submit_info"]


def test_submit_info_flat_shape(client, app, oa):
    user = oa.create_user("Khách")
    customer_says(client, oa, user, "submit_info", info={
        "name": "Trần B", "phone": "84987654321", "address": "5 Lê Lợi", "district": "Quận 1", "city": "TP HCM"})
    run_worker(app)
    profile = _customer(app, one(app, OaContact))
    assert (profile["full_name"], profile["phone"]) == ("Trần B", "+84987654321")
    assert profile["address"] == "5 Lê Lợi, Quận 1, TP HCM"


def _form_profile(client, oa):
    """A Zalo user who filled the Mini App form with their phone; returns (user, profile ref)."""
    web = zalo_user(oa, name="Nguyễn Văn An", phone="84912345678")
    session = open_session(client, oa, web)
    response = client.post("/api/v1/miniapp/forms/lien-he/submissions", json={"values": contact_values()},
                           headers=bearer(session))
    form_ref = response.get_json()["customer"]["ref"]
    response.close()
    return web, form_ref


def test_submit_info_with_the_phone_of_a_form_profile_from_another_zalo_account_is_a_conflict(client, app, oa):
    """Same dedupe and merge rules as the Mini App: the phone points at the profile the form created, but that
    profile belongs to a different verified Zalo account, so nothing is merged and staff get a conflict."""
    from miniapp_api.models import ProfileConflict

    web, form_ref = _form_profile(client, oa)
    stranger = oa.create_user("An (Zalo)")  # another Zalo account, never used the Mini App
    customer_says(client, oa, stranger, "submit_info", info={"name": "Nguyễn Văn An", "phone": "84912345678"})
    run_worker(app)
    assert _customer(app, one(app, OaContact))["ref"] != form_ref
    conflict = one(app, ProfileConflict)
    assert conflict.kind == "zalo_app"


def test_submit_info_of_the_form_user_links_to_the_form_profile(client, app, oa):
    web, form_ref = _form_profile(client, oa)
    customer_says(client, oa, web, "submit_info", info={"name": "Nguyễn Văn An", "phone": "84912345678"})
    run_worker(app)
    customer = _customer(app, one(app, OaContact))
    assert customer["ref"] == form_ref
    assert [p["e164"] for p in customer["phones"]] == ["+84912345678"]


def test_conversation_is_linked_to_the_profile_the_mini_app_form_created(client, app, oa):
    user = zalo_user(oa, name="Nguyễn Văn An")
    session = open_session(client, oa, user)  # no idByOA from the client: linked on user_id_by_app
    response = client.post("/api/v1/miniapp/forms/lien-he/submissions", json={"values": contact_values()},
                           headers=bearer(session))
    assert response.status_code == 201
    ref = response.get_json()["customer"]["ref"]
    response.close()
    customer_says(client, oa, user, "text", text="Tôi vừa điền form")
    run_worker(app)
    conversation = one(app, Conversation)
    with app.app_context():
        from miniapp_api.extensions import db

        customer = db.session.get(Customer, conversation.customer_id)
        assert customer.ref == ref
        assert {i.kind for i in customer.identities} >= {"zalo_app", "zalo_oa", PHONE}
    assert count(app, Customer) == 1


def test_oa_console_echo_is_stored_as_a_staff_message(client, app, oa):
    user = oa.create_user("Hồ Lan")
    customer_says(client, oa, user, "text", text="Alo")
    echo = {"app_id": oa.app_id, "sender": {"id": oa.oa_id}, "recipient": {"id": user.oa_user_id},
            "user_id_by_app": user.app_user_id, "event_name": "oa_send_text",
            "message": {"msg_id": "echo0001", "text": "Dạ shop chào chị"}, "timestamp": str(int(oa.clock() * 1000))}
    assert post_event(client, oa, echo)[0] == 200
    run_worker(app)
    staff = [m for m in messages(app) if m.direction == "out"]
    assert [(m.author, m.text, m.zalo_msg_id) for m in staff] == [("oa_console", "Dạ shop chào chị", "echo0001")]


def test_receipts_update_delivery_state_and_seen_takes_a_list(client, app, oa):
    zalo_window(oa, follow_opens_window=True)
    user = oa.create_user("Hồ Lan")
    customer_says(client, oa, user, "follow")
    run_worker(app)
    sent = [m.zalo_msg_id for m in messages(app)]
    customer_says(client, oa, user, "received", msg_id=sent[0])
    run_worker(app)
    assert messages(app)[0].delivery_state == "received"
    customer_says(client, oa, user, "seen", msg_ids=[sent[0], "unknown-id"])
    customer_says(client, oa, user, "received", msg_id=sent[0] + "x")
    run_worker(app)
    assert messages(app)[0].delivery_state == "seen"


def test_seen_before_the_message_it_is_about(client, app, oa):
    user = oa.create_user("Hồ Lan")
    customer_says(client, oa, user, "text", text="Alo")
    run_worker(app)
    customer_says(client, oa, user, "seen", msg_ids=["later0001"])
    run_worker(app)
    echo = {"app_id": oa.app_id, "sender": {"id": oa.oa_id}, "recipient": {"id": user.oa_user_id},
            "event_name": "oa_send_text", "message": {"msg_id": "later0001", "text": "Dạ"},
            "timestamp": str(int(oa.clock() * 1000))}
    post_event(client, oa, echo)
    run_worker(app)
    assert one(app, Message, Message.zalo_msg_id == "later0001").delivery_state == "seen"


def test_our_own_echo_does_not_duplicate_the_message(client, app, oa):
    zalo_window(oa, follow_opens_window=True)
    user = oa.create_user("Hồ Lan")
    customer_says(client, oa, user, "follow")
    run_worker(app)
    sent = oa.sent_messages[0]
    echo = {"app_id": oa.app_id, "sender": {"id": oa.oa_id}, "recipient": {"id": user.oa_user_id},
            "event_name": "oa_send_text", "message": {"msg_id": sent["message_id"], "text": sent["message"]["text"]},
            "timestamp": str(int(oa.clock() * 1000))}
    post_event(client, oa, echo)
    run_worker(app)
    assert [m.author for m in messages(app)] == ["system"]


def test_simulator_delivers_signed_webhooks_to_a_live_backend(app, oa):
    """The sandbox's own path: control endpoint → signed POST over HTTP → backend → worker → OA reply echo."""
    import requests

    user = oa.create_user("Khách Sandbox")
    with BackgroundServer(app) as backend:
        base = oa.url
        response = requests.post(f"{base}/_sandbox/webhook", json={"url": backend.url + "/webhooks/zalo"}, timeout=5)
        response.close()
        response = requests.post(f"{base}/_sandbox/simulate/text", json={"user": user.app_user_id, "text": "Alo shop"},
                                 timeout=5)
        body = response.json()
        response.close()
    assert body["delivered"] == 200 and body["event"]["event_name"] == "user_send_text"
    run_worker(app)
    assert [m.text for m in messages(app)] == ["Alo shop"]
