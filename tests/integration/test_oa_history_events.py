"""Events kept in the history: reactions, anonymous users, feedback, received media, OA → local tags."""
import pytest
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import AuditEntry, Customer, CustomerTag, OaContact, OaOutbound, Tag, WebhookEvent
from sandbox.zalo.simulator import build_event
from tests.inbox_helpers import BASE, call
from tests.oa_helpers import customer_says, messages, one, post_event, run_worker
from tests.staff_helpers import staff_headers


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, "owner")


def _detail(client, owner, oa_user_id, app):
    with app.app_context():
        cid = db.session.scalar(sa.select(OaContact.id).where(OaContact.oa_user_id == oa_user_id))
        cid = db.session.execute(sa.text("SELECT id FROM conversation WHERE contact_id = :c"), {"c": cid}).scalar()
    status, body = call(client, "GET", f"{BASE}/{cid}", owner)
    assert status == 200
    return body


def test_reactions_both_ways_are_kept_and_never_await_a_reply(app, client, oa, owner):
    user = oa.create_user("Trần Thị Bình")
    said = customer_says(client, oa, user, "text", text="Áo này còn không?")
    msg_id = said["message"]["msg_id"]
    customer_says(client, oa, user, "react", msg_id=msg_id, info={"react_icon": "/-heart"})
    customer_says(client, oa, user, "react", msg_id=msg_id, info={"react_icon": "/-strong"})  # a second one is kept
    customer_says(client, oa, user, "oa_react", msg_id=msg_id, info={"react_icon": "/-ok"})
    run_worker(app)
    reactions = [m for m in messages(app) if m.type == "reaction"]
    assert [(m.direction, m.author, m.text, m.quote_msg_id) for m in reactions] == [
        ("in", "customer_event", "/-heart", msg_id), ("in", "customer_event", "/-strong", msg_id),
        ("out", "oa_event", "/-ok", msg_id)]
    assert reactions[0].attachments == [{"type": "reaction", "payload": {"msg_id": msg_id, "react_icon": "/-heart"}}]
    assert one(app, WebhookEvent, WebhookEvent.event_name == "user_reacted_message").status == "done"
    body = _detail(client, owner, user.oa_user_id, app)
    assert [m["type"] for m in body["messages"]] == ["text", "reaction", "reaction", "reaction"]


def test_anonymous_users_get_a_conversation_that_is_never_sent_to_their_id(app, client, oa, owner):
    user = oa.create_user("Ẩn danh")
    info = {"anonymous_id": "anon123", "conversation_id": "conv77"}
    customer_says(client, oa, user, "anonymous_text", text="Shop ơi", info=info)
    customer_says(client, oa, user, "anonymous_image", info=info)
    customer_says(client, oa, user, "anonymous_file", info=info)
    run_worker(app)
    stored = messages(app)
    assert [(m.type, m.author, m.direction) for m in stored] == [("text", "customer", "in"), ("image", "customer", "in"),
                                                                 ("file", "customer", "in")]
    assert stored[0].attachments == [{"type": "anonymous", "payload": {"anonymous_id": "anon123",
                                                                      "conversation_id": "conv77"}}]
    assert stored[1].attachments[0]["type"] == "image" and stored[1].attachments[0]["payload"]["url"]
    contact = one(app, OaContact, OaContact.oa_user_id == "anon:anon123")
    assert one(app, Customer, Customer.id == contact.customer_id).source == "zalo_anonymous"
    assert not [r for r in oa.requests if "anon" in str(r["args"])]  # no /user/detail for an anonymous id
    body = _detail(client, owner, "anon:anon123", app)
    status, refused = call(client, "POST", f"{BASE}/{body['id']}/reply", owner, json={"text": "Chào bạn"})
    assert status == 409 and refused["type"].endswith("no_oa_contact")


def test_feedback_is_kept_with_its_rating(app, client, oa):
    user = oa.create_user("Lê Văn Cường")
    customer_says(client, oa, user, "feedback", text="Giao nhanh", info={"rate": 4, "feedbacks": ["Đúng hẹn"]})
    run_worker(app)
    [feedback] = messages(app)
    assert (feedback.type, feedback.author, feedback.text) == ("feedback", "customer_event", "Giao nhanh")
    assert feedback.attachments[0]["payload"]["rate"] == 4
    assert feedback.attachments[0]["payload"]["feedbacks"] == ["Đúng hẹn"]


@pytest.mark.parametrize("action, key", [("image", "url"), ("file", "name"), ("sticker", "id"),
                                         ("location", "coordinates"), ("link", "url"), ("gif", "url")])
def test_received_media_keep_their_render_data_in_the_conversation_api(app, client, oa, owner, action, key):
    user = oa.create_user("Phạm Dung")
    sent = customer_says(client, oa, user, action)
    run_worker(app)
    [message] = _detail(client, owner, user.oa_user_id, app)["messages"]
    assert message["type"] == action
    assert message["attachments"] == sent["message"]["attachments"] and key in message["attachments"][0]["payload"]


def test_a_tag_set_in_the_oa_manager_appears_on_the_local_profile(app, client, oa):
    user = oa.create_user("Vũ Thị Em")
    customer_says(client, oa, user, "text")
    customer_says(client, oa, user, "tag", info={"tag": "Khách sỉ"})
    run_worker(app)
    with app.app_context():
        contact = db.session.scalar(sa.select(OaContact).where(OaContact.oa_user_id == user.oa_user_id))
        tags = db.session.scalars(sa.select(Tag.name).join(CustomerTag).where(
            CustomerTag.customer_id == contact.customer_id)).all()
        assert tags == ["Khách sỉ"]
        assert db.session.scalar(sa.select(AuditEntry.detail).where(AuditEntry.action == "customer.tag")) == {
            "tag": "Khách sỉ", "source": "zalo_oa"}
    assert one(app, OaOutbound, OaOutbound.kind == "tag_add") is None  # came from the OA: not mirrored back
    customer_says(client, oa, user, "untag", info={"tag": "Khách sỉ"})
    run_worker(app)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomerTag)) == 0
    assert not [r for r in oa.requests if r["path"].startswith("/v2.0/oa/tag/")]


def test_a_tag_event_for_a_user_never_seen_creates_their_profile(app, client, oa):
    user = oa.create_user("Đặng Giang")
    status, _ = post_event(client, oa, build_event(oa, "tag", user, info={"tag": "VIP"}))
    assert status == 200
    run_worker(app)
    contact = one(app, OaContact, OaContact.oa_user_id == user.oa_user_id)
    with app.app_context():
        assert db.session.scalar(sa.select(Tag.name).join(CustomerTag).where(
            CustomerTag.customer_id == contact.customer_id)) == "VIP"


def test_erasing_an_anonymous_user_drops_their_waiting_events(app, client, oa, owner):
    user = oa.create_user("Ẩn danh")
    info = {"anonymous_id": "anon999", "conversation_id": "conv9"}
    customer_says(client, oa, user, "anonymous_text", text="Số em 0912345678", info=info)
    run_worker(app)
    customer_says(client, oa, user, "anonymous_text", text="Địa chỉ 12 Tràng Tiền", info=info)  # not yet moved
    contact = one(app, OaContact, OaContact.oa_user_id == "anon:anon999")
    ref = one(app, Customer, Customer.id == contact.customer_id).ref
    assert call(client, "POST", f"/api/v1/admin/customers/{ref}/erase", owner)[0] == 200
    run_worker(app)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent).where(
            WebhookEvent.raw_body.like("%Tràng Tiền%"))) == 0
    assert not [m for m in messages(app) if m.text and "Tràng Tiền" in m.text]
