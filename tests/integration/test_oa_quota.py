"""The messaging window as Zalo sees it: free replies, paid messages, -230, -232, follow-only contacts, the cache.

The emulator enforces the documented rules (sandbox/zalo/window.py); the backend
asks `POST /v3.0/oa/quota/message` when its own view is not enough.
"""
import pytest

from miniapp_api.extensions import db
from miniapp_api.models import Customer, OaContact, OaOutbound, OaUserQuota
from miniapp_api.services.oa.outbound import OutboundRefused, queue_text_message
from tests.oa_helpers import customer_in_window, customer_says, messages, one, run_worker, zalo_window
from tests.staff_helpers import auth, login, staff_headers


def _queue(app, text="Dạ shop gửi bạn thông tin ạ.", reason="staff_reply"):
    with app.app_context():
        contact = db.session.scalar(db.select(OaContact))
        row = queue_text_message(db.session, db.session.get(Customer, contact.customer_id), text, reason=reason)
        db.session.commit()
        return row.id


def _calls(zalo, path):
    return [r for r in zalo.requests if r["path"] == path]


def _rows(app):
    with app.app_context():
        rows = db.session.scalars(db.select(OaOutbound).where(OaOutbound.kind == "send_message")
                                  .order_by(OaOutbound.id)).all()
        db.session.expunge_all()
        return rows


@pytest.fixture
def customer(client, app, oa):
    return customer_in_window(client, app, oa)


def test_free_replies_run_out_then_messages_are_paid_and_each_quota_is_recorded(app, oa, customer):
    for n in range(9):
        _queue(app, f"Tin số {n + 1}")
        run_worker(app, rounds=1)
    rows = _rows(app)
    assert [r.zalo_quota for r in rows[:8]] == [{"quota_type": "reply", "remain": str(7 - n), "total": "8"}
                                                for n in range(8)]
    assert rows[8].status == "done" and rows[8].zalo_quota is None  # billed: Zalo's answer carries no quota
    sent = [m for m in messages(app) if m.direction == "out"]
    assert [m.paid for m in sent] == [False] * 8 + [True]
    assert len(oa.sent_messages) == 9
    # Our own count said "maybe exhausted" only before the 9th: one quota look-up, then Zalo's answer was used.
    assert len(_calls(oa, "/v3.0/oa/quota/message")) == 1
    cached = one(app, OaUserQuota, OaUserQuota.oa_user_id == customer.oa_user_id)
    assert (cached.cs_remain, cached.cs_total) == (0, 8)


def test_package_quota_pays_for_a_message_after_the_free_replies(app, oa, customer):
    zalo_window(oa, free_replies=0, package_quota=5)
    _queue(app)
    run_worker(app, rounds=1)
    assert _rows(app)[0].zalo_quota == {"quota_type": "sub_quota", "remain": "4", "total": "5",
                                        "expired_date": "31/12/2099"}
    assert messages(app)[-1].paid is True


def test_a_new_customer_message_gives_the_free_replies_back(client, app, oa, customer, frozen_clock):
    zalo_window(oa, free_replies=1)
    _queue(app)
    run_worker(app, rounds=1)
    frozen_clock.advance(minutes=5)
    customer_says(client, oa, customer, "text", text="Còn size M không?")
    run_worker(app)
    assert [m.paid for m in messages(app) if m.direction == "out"] == [False]
    _queue(app)
    run_worker(app, rounds=1)
    assert [m.paid for m in messages(app) if m.direction == "out"] == [False, False]
    assert _rows(app)[-1].zalo_quota == {"quota_type": "reply", "remain": "0", "total": "1"}


def test_zalo_saying_more_than_7_days_is_final_with_a_reason_staff_understand(app, oa, customer, frozen_clock):
    oa.last_interaction[customer.oa_user_id] -= 8 * 24 * 3600 * 1000  # Zalo counts an older interaction than we do
    _queue(app)
    run_worker(app, rounds=1)
    frozen_clock.advance(hours=1)
    run_worker(app, rounds=1)
    row = _rows(app)[0]
    assert (row.status, row.attempts) == ("dead", 1)
    message = messages(app)[-1]
    assert message.delivery_state == "failed"
    assert "7 days" in message.failure_reason and "-230" in message.failure_reason
    assert oa.sent_messages == []


def test_near_the_7_day_boundary_zalo_is_asked_and_a_closed_window_sends_nothing(app, oa, customer, frozen_clock):
    frozen_clock.advance(days=6, hours=23, minutes=50)
    _queue(app)  # still open by our clock
    frozen_clock.advance(minutes=20)
    run_worker(app, rounds=1)
    assert len(_calls(oa, "/v3.0/oa/quota/message")) == 1 and _calls(oa, "/v3.0/oa/message/cs") == []
    message = messages(app)[-1]
    assert message.delivery_state == "failed" and "more than 7 days ago" in message.failure_reason


def test_user_zalo_never_saw_interact_is_minus_232_final(app, oa, customer):
    del oa.last_interaction[customer.oa_user_id]  # e.g. the interaction happened with another OA's app
    _queue(app)
    run_worker(app, rounds=1)
    row = _rows(app)[0]
    assert row.status == "dead" and "-232" in row.last_error
    assert "never interacted" in messages(app)[-1].failure_reason
    assert oa.sent_messages == []


@pytest.mark.parametrize("follow_opens", [False, True])
def test_a_follow_alone_sends_the_welcome_only_if_zalo_says_the_window_is_open(client, app, oa, follow_opens):
    zalo_window(oa, follow_opens_window=follow_opens)
    user = oa.create_user("Lý Thu")
    customer_says(client, oa, user, "follow")
    run_worker(app)
    assert len(_calls(oa, "/v3.0/oa/quota/message")) == 1
    welcome = messages(app)[0]
    row = _rows(app)[0]
    if follow_opens:
        assert (welcome.delivery_state, row.status) == ("sent", "done") and len(oa.sent_messages) == 1
        return
    assert _calls(oa, "/v3.0/oa/message/cs") == []
    assert (welcome.delivery_state, row.status) == ("skipped", "ignored")
    assert welcome.failure_reason.startswith("Welcome not sent: ") and "never interacted" in welcome.failure_reason


def test_zalo_answer_is_reused_for_a_while_and_asked_again_after(client, app, oa, frozen_clock):
    zalo_window(oa, follow_opens_window=True)
    user = oa.create_user("Lý Thu")
    customer_says(client, oa, user, "follow")
    run_worker(app)
    _queue(app)
    run_worker(app, rounds=1)
    assert len(_calls(oa, "/v3.0/oa/quota/message")) == 1 and len(oa.sent_messages) == 2
    frozen_clock.advance(seconds=app.config["OA_QUOTA_CACHE_SECONDS"] + 1)
    _queue(app)
    run_worker(app, rounds=1)
    assert len(_calls(oa, "/v3.0/oa/quota/message")) == 2 and len(oa.sent_messages) == 3


def test_a_fresh_closed_answer_refuses_at_queue_time_with_the_zns_codes(client, app, oa):
    user = oa.create_user("Lý Thu")
    customer_says(client, oa, user, "follow")
    run_worker(app)  # the welcome asked Zalo: never interacted
    with pytest.raises(OutboundRefused) as refused:
        _queue(app, reason="order_status")
    assert refused.value.code == "no_interaction"


def test_staff_see_the_window_zalo_reports(client, app, oa, frozen_clock):
    owner = staff_headers(app, client, "owner")
    user = oa.create_user("Lý Thu")
    customer_says(client, oa, user, "text", text="Shop ơi")
    run_worker(app)
    with app.app_context():
        ref = db.session.get(Customer, db.session.scalar(db.select(OaContact)).customer_id).ref
    frozen_clock.advance(hours=3)
    body = client.get(f"/api/v1/admin/customers/{ref}/oa-window", headers=owner).get_json()
    assert (body["state"], body["source"], body["free_replies_left"], body["free_replies_total"]) == \
        ("free", "zalo", 8, 8)
    assert body["changes_at"] > body["last_interaction_at"] and body["channel"]["status"] == "active"
    frozen_clock.advance(days=3)
    owner = auth(login(client, "owner@shop.vn"))  # staff sessions end; the window does not
    body = client.get(f"/api/v1/admin/customers/{ref}/oa-window", headers=owner).get_json()
    assert (body["state"], body["source"], body["free_replies_left"]) == ("paid", "zalo", 0)
    frozen_clock.advance(days=5)
    owner = auth(login(client, "owner@shop.vn"))
    body = client.get(f"/api/v1/admin/customers/{ref}/oa-window", headers=owner).get_json()
    assert (body["state"], body["reason"], body["changes_at"]) == ("closed", "window_closed", None)
    assert len(_calls(oa, "/v3.0/oa/quota/message")) == 3
    assert client.get("/api/v1/admin/customers/nope/oa-window", headers=owner).status_code == 404


def test_staff_see_our_own_view_when_zalo_cannot_be_asked(client, app, oa):
    owner = staff_headers(app, client, "owner")
    user = oa.create_user("Lý Thu")
    customer_says(client, oa, user, "text", text="Shop ơi")
    run_worker(app)
    oa.faults.append({"path": "/v3.0/oa/quota/message", "code": -32, "times": 1})
    with app.app_context():
        ref = db.session.get(Customer, db.session.scalar(db.select(OaContact)).customer_id).ref
    body = client.get(f"/api/v1/admin/customers/{ref}/oa-window", headers=owner).get_json()
    assert (body["state"], body["source"], body["uncertain"]) == ("free", "local", False)
