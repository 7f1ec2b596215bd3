"""Connecting the OA imports its tags and recent conversations through the queue, deduplicated with live webhooks."""
import re

import pytest
import requests
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Conversation, Message, OaContact, OaOutbound, Tag
from sandbox.zalo.simulator import build_event
from tests.oa_helpers import customer_says, messages, post_event, run_worker


def _drain(app, frozen_clock, rounds: int = 12) -> None:
    """Worker ticks with the clock moving past the backfill's pacing between them."""
    for _ in range(rounds):
        run_worker(app, rounds=1)
        frozen_clock.advance(seconds=2)


def _history(zalo, user, lines: list[tuple[int, str]], msg_prefix: str) -> list[str]:
    """Chat lines as Zalo keeps them (src 1: the user wrote, 0: the OA did), oldest first; returns their ids."""
    ids = []
    for i, (src, text) in enumerate(lines):
        ids.append(f"{msg_prefix}{i:03d}")
        zalo.log_chat(user.oa_user_id, src, "text", text, ids[-1])
    return ids


def _backfill(runner) -> None:
    result = runner.invoke(args=["zalo", "backfill"])
    assert result.exit_code == 0 and "queued" in result.output


def test_backfill_imports_recent_conversations_in_order(app, client, runner, oa, frozen_clock):
    an, binh = oa.create_user("Nguyễn An"), oa.create_user("Trần Bình")
    _history(oa, an, [(1, "Chào shop"), (0, "Dạ chào anh"), (1, "Giá áo?")], "an")
    frozen_clock.advance(minutes=1)
    _history(oa, binh, [(1, "Còn hàng không?")], "binh")
    _backfill(runner)
    _drain(app, frozen_clock)
    stored = messages(app)
    assert sorted(m.zalo_msg_id for m in stored) == ["an000", "an001", "an002", "binh000"]
    with app.app_context():
        contact = db.session.scalar(sa.select(OaContact).where(OaContact.oa_user_id == an.oa_user_id))
        conversation = db.session.scalar(sa.select(Conversation).where(Conversation.contact_id == contact.id))
        thread = db.session.scalars(sa.select(Message).where(Message.conversation_id == conversation.id)
                                    .order_by(Message.sent_at, Message.id)).all()
        assert [(m.direction, m.author, m.text) for m in thread] == [
            ("in", "customer", "Chào shop"), ("out", "oa_console", "Dạ chào anh"), ("in", "customer", "Giá áo?")]
        assert contact.last_interaction_at is not None and conversation.last_customer_message_at is not None
    calls = [r["path"] for r in oa.requests if r["path"] in ("/v2.0/oa/listrecentchat", "/v2.0/oa/conversation")]
    assert calls.count("/v2.0/oa/listrecentchat") == 1 and calls.count("/v2.0/oa/conversation") == 2
    assert not oa.sent_messages  # history is read, nothing is answered


def test_backfill_pages_paced_and_capped(app, client, runner, oa, frozen_clock):
    app.config["OA_BACKFILL_MESSAGES"] = 20
    user = oa.create_user("Lê Cường")
    _history(oa, user, [(1, f"tin {i}") for i in range(25)], "c")
    _backfill(runner)
    run_worker(app)  # no clock movement: the next pages wait for their turn
    assert [r["path"] for r in oa.requests].count("/v2.0/oa/conversation") == 1
    _drain(app, frozen_clock)
    assert len(messages(app)) == 20  # the newest 20 of 25: two pages of 10
    pages = [r["args"]["data"] for r in oa.requests if r["path"] == "/v2.0/oa/conversation"]
    assert ['"offset": 0' in p for p in pages] == [True, False] and '"count": 10' in pages[0]


def test_live_webhook_first_then_backfill_stores_it_once(app, client, runner, oa, frozen_clock):
    user = oa.create_user("Phạm Dung")
    said = customer_says(client, oa, user, "text", text="Cho xem mẫu")  # Zalo logs it in the chat too
    run_worker(app)
    _backfill(runner)
    _drain(app, frozen_clock)
    assert [m.zalo_msg_id for m in messages(app)] == [said["message"]["msg_id"]]


def test_backfill_first_then_the_live_webhook_stores_it_once(app, client, runner, oa, frozen_clock):
    user = oa.create_user("Vũ Em")
    [msg_id] = _history(oa, user, [(1, "giá bao nhiêu")], "late")
    _backfill(runner)
    _drain(app, frozen_clock)
    late = build_event(oa, "text", user, text="giá bao nhiêu", msg_id=msg_id)  # Zalo's resend arrives after
    assert post_event(client, oa, late)[0] == 200
    run_worker(app)
    assert [m.zalo_msg_id for m in messages(app)] == [msg_id]


def test_tags_imported_on_connect(app, runner, oa, frozen_clock):
    oa.tags.update({"VIP": set(), "Khách sỉ": set(), "x" * 65: set()})
    _backfill(runner)
    _drain(app, frozen_clock, rounds=2)
    with app.app_context():
        assert sorted(db.session.scalars(sa.select(Tag.name))) == ["Khách sỉ", "VIP"]  # 65 characters: too long
    assert any(r["path"] == "/v2.0/oa/tag/gettagsofoa" for r in oa.requests)


def test_connecting_through_oauth_queues_the_import(client, runner, app, zalo, frozen_clock):
    zalo.clock = lambda: frozen_clock.now().timestamp()
    zalo.tags["VIP"] = set()
    url = runner.invoke(args=["zalo", "connect-url"]).output.strip()
    start = client.get(url.removeprefix("http://127.0.0.1:8000"))
    page = requests.get(start.headers["Location"], timeout=5)
    start.close()
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.text))
    page.close()
    allowed = requests.post(zalo.url + "/v4/oa/permission", data=fields, allow_redirects=False, timeout=5)
    done = client.get(allowed.headers["Location"].removeprefix("http://127.0.0.1:8000"))
    allowed.close()
    assert done.status_code == 200
    done.close()
    with app.app_context():
        kinds = sorted(db.session.scalars(sa.select(OaOutbound.kind)))
    assert kinds == ["backfill_chats", "import_tags"]
    _drain(app, frozen_clock, rounds=2)
    with app.app_context():
        assert db.session.scalar(sa.select(Tag.name)) == "VIP"


@pytest.mark.parametrize("fault", [-32])
def test_a_refused_page_is_retried_later(app, runner, oa, frozen_clock, fault):
    user = oa.create_user("Hồ Giang")
    _history(oa, user, [(1, "alo")], "g")
    requests.post(oa.url + "/_sandbox/oa/faults", json={"path": "/v2.0/oa/listrecentchat", "code": fault},
                  timeout=5).close()
    _backfill(runner)
    run_worker(app)
    with app.app_context():
        row = db.session.scalar(sa.select(OaOutbound).where(OaOutbound.kind == "backfill_chats"))
        assert row.status == "pending" and str(fault) in row.last_error
    frozen_clock.advance(minutes=2)
    _drain(app, frozen_clock)
    assert [m.zalo_msg_id for m in messages(app)] == ["g000"]
