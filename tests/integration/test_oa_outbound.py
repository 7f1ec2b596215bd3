"""Sending to customers: the 48 h / 7 day window, and Zalo's error codes."""
import pytest

from miniapp_api.extensions import db
from miniapp_api.models import Customer, Message, OaContact, OaOutbound
from miniapp_api.services.oa.outbound import OutboundRefused, queue_text_message
from tests.oa_helpers import customer_in_window, messages, one, run_worker


@pytest.fixture
def customer(client, app, oa):
    return customer_in_window(client, app, oa)


def _queue(app, text="Đơn hàng của bạn đã được giao.", reason="order_status"):
    with app.app_context():
        contact = db.session.scalar(db.select(OaContact))
        row = queue_text_message(db.session, db.session.get(Customer, contact.customer_id), text, reason=reason)
        db.session.commit()
        return row.id


def test_within_48_hours_is_free(app, oa, customer, frozen_clock):
    frozen_clock.advance(hours=47)
    _queue(app)
    run_worker(app)
    message = messages(app)[-1]
    assert (message.delivery_state, message.paid, message.author) == ("sent", False, "system")
    assert message.zalo_msg_id == oa.sent_messages[0]["message_id"]
    assert one(app, OaOutbound, OaOutbound.kind == "send_message").zalo_message_id == message.zalo_msg_id


def test_between_48_hours_and_7_days_is_sent_and_flagged_paid(app, oa, customer, frozen_clock):
    frozen_clock.advance(days=3)
    _queue(app)
    run_worker(app)
    assert (messages(app)[-1].delivery_state, messages(app)[-1].paid) == ("sent", True)


def test_beyond_7_days_is_refused_without_calling_zalo(app, oa, customer, frozen_clock):
    frozen_clock.advance(days=7, seconds=1)
    with pytest.raises(OutboundRefused) as refused:
        _queue(app)
    assert refused.value.code == "window_closed" and "7 days" in refused.value.reason
    assert not [r for r in oa.requests if r["path"] == "/v3.0/oa/message/cs"][1:]


def test_window_closing_while_queued_is_caught_before_sending(app, oa, customer, frozen_clock):
    frozen_clock.advance(days=6)
    _queue(app)
    frozen_clock.advance(days=2)
    sends_before = len([r for r in oa.requests if r["path"] == "/v3.0/oa/message/cs"])
    run_worker(app)
    assert len([r for r in oa.requests if r["path"] == "/v3.0/oa/message/cs"]) == sends_before
    message = messages(app)[-1]
    assert message.delivery_state == "failed" and "7 days" in message.failure_reason


def test_customer_without_oa_contact_is_refused(app, oa):
    with app.app_context():
        db.session.add(Customer(source="miniapp", attributes={}))
        db.session.commit()
        with pytest.raises(OutboundRefused) as refused:
            queue_text_message(db.session, db.session.scalar(db.select(Customer)), "hi", reason="x")
    assert refused.value.code == "no_oa_contact"


def _fault(oa, code, times=1, path="/v3.0/oa/message/cs"):
    oa.faults.append({"path": path, "code": code, "times": times})


@pytest.mark.parametrize("code", [-216, -220])
def test_token_rejected_is_refreshed_once_and_retried(app, oa, customer, code):
    _fault(oa, code)
    _queue(app)
    run_worker(app, rounds=1)
    assert oa.refresh_calls == 1
    assert messages(app)[-1].delivery_state == "sent"
    with app.app_context():
        assert app.extensions["oa_tokens"].status()["version"] == 2


def test_token_rejected_twice_is_not_refreshed_in_a_loop(app, oa, customer):
    _fault(oa, -216, times=2)
    _queue(app)
    run_worker(app, rounds=1)
    assert oa.refresh_calls == 1
    assert one(app, OaOutbound, OaOutbound.kind == "send_message").status == "pending"


def test_rate_limit_backs_off_then_sends(app, oa, customer, frozen_clock):
    _fault(oa, -32)
    _queue(app)
    run_worker(app, rounds=2)
    row = one(app, OaOutbound, OaOutbound.kind == "send_message")
    assert row.status == "pending" and "-32" in row.last_error
    assert (row.available_at - frozen_clock.now()).total_seconds() >= 60
    frozen_clock.advance(seconds=61)
    run_worker(app, rounds=1)
    assert messages(app)[-1].delivery_state == "sent"


@pytest.mark.parametrize("code,words", [(-213, "does not follow"), (-230, "7 days"), (-232, "expired")])
def test_recipient_errors_are_permanent_with_a_readable_reason(app, oa, customer, frozen_clock, code, words):
    _fault(oa, code)
    _queue(app)
    run_worker(app, rounds=1)
    frozen_clock.advance(hours=1)
    run_worker(app, rounds=1)
    row = one(app, OaOutbound, OaOutbound.kind == "send_message")
    assert (row.status, row.attempts) == ("dead", 1)
    message = one(app, Message, Message.id == row.message_id)
    assert message.delivery_state == "failed" and words in message.failure_reason and str(code) in message.failure_reason


def test_request_user_info_and_image_shapes(app, oa, customer):
    from miniapp_api.zalo.oa import image_message, request_user_info_message

    with app.app_context():
        client = app.extensions["zalo_oa"]
        sent = client.send_cs(customer.oa_user_id, image_message("https://shop.vn/a.jpg", "Mẫu mới"))
        card = client.send_cs(customer.oa_user_id, request_user_info_message("Để lại thông tin", "Shop gọi lại",
                                                                            "https://shop.vn/b.jpg"))
    assert sent["message_id"] and card["message_id"]
    body = oa.sent_messages[-1]["message"]["attachment"]["payload"]
    assert body["template_type"] == "request_user_info" and body["elements"][0]["title"] == "Để lại thông tin"
