"""A send whose outcome never came back (the worker died, Zalo's answer timed out) is looked up in Zalo's
conversation before any retry: a message Zalo accepted is recorded, not sent twice; one it never got is sent
once; one the conversation cannot identify is left to staff."""
import pytest
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Customer, Message, OaContact, OaOutbound
from miniapp_api.services.oa.recovery import NO_TEXT, PAGE, PAGES, TOO_BUSY
from miniapp_api.services.oa.outbound import queue_message, queue_text_message
from miniapp_api.zalo.oa import request_user_info_message
from tests.conftest import _base_config, _seeded_app
from tests.oa_helpers import customer_in_window, customer_says, run_worker

CS = "/v3.0/oa/message/cs"
CONVERSATION = "/v2.0/oa/conversation"


@pytest.fixture
def app(database_url, zalo):
    """Zalo's answers time out after 0.3 s, so a held answer leaves the outcome unknown."""
    yield from _seeded_app({**_base_config(database_url, zalo.url), "HTTP_READ_TIMEOUT": 0.3})


@pytest.fixture
def customer(client, app, oa):
    yield customer_in_window(client, app, oa)
    oa.release.set()


def _queue(app, text="Đơn hàng của bạn đã được giao.", message=None) -> int:
    with app.app_context():
        contact = db.session.scalar(sa.select(OaContact))
        if message is None:
            row = queue_text_message(db.session, db.session.get(Customer, contact.customer_id), text,
                                     reason="order_status")
        else:
            row = queue_message(db.session, contact, message, reason="staff_reply", text=None)
        db.session.commit()
        return row.id


def _hang_next_send(oa, times=1):
    oa.faults.append({"path": CS, "hang_seconds": 5.0, "times": times})


def _row(app, row_id):
    with app.app_context():
        row = db.session.get(OaOutbound, row_id)
        message = db.session.get(Message, row.message_id)
        db.session.expunge_all()
        return row, message


def _sent_texts(oa):
    return [m["message"].get("text") for m in oa.sent_messages]


def test_message_zalo_accepted_before_the_answer_was_lost_is_not_sent_again(app, oa, customer, frozen_clock):
    row_id = _queue(app)
    _hang_next_send(oa)
    run_worker(app, rounds=1)
    row, _ = _row(app, row_id)
    assert row.status == "pending" and row.send_started_at is not None, "outcome unknown: keep the marker"
    assert len(oa.sent_messages) == 1, "Zalo has it"
    oa.release.set()
    frozen_clock.advance(seconds=6)
    run_worker(app)
    row, message = _row(app, row_id)
    assert len(oa.sent_messages) == 1, "not sent a second time"
    assert any(r["path"] == CONVERSATION for r in oa.requests), "the conversation was checked first"
    assert row.status == "done" and row.zalo_message_id == oa.sent_messages[0]["message_id"]
    assert (message.delivery_state, message.zalo_msg_id) == ("sent", row.zalo_message_id)


def test_attempt_that_died_before_reaching_zalo_is_sent_once(app, oa, customer, frozen_clock):
    row_id = _queue(app)
    with app.app_context():  # what a worker killed right after recording the attempt leaves behind
        db.session.execute(sa.update(OaOutbound).where(OaOutbound.id == row_id).values(
            status="processing", leased_by="killed", lease_expires_at=frozen_clock.now(), attempts=1,
            send_started_at=frozen_clock.now()))
        db.session.commit()
    frozen_clock.advance(seconds=21)
    run_worker(app)
    row, message = _row(app, row_id)
    assert _sent_texts(oa) == ["Đơn hàng của bạn đã được giao."]
    assert row.status == "done" and message.zalo_msg_id == oa.sent_messages[0]["message_id"]


def test_identical_texts_are_each_matched_to_their_own_zalo_message(app, oa, customer, frozen_clock):
    first, second = _queue(app, "Cảm ơn bạn!"), _queue(app, "Cảm ơn bạn!")
    _hang_next_send(oa)
    run_worker(app, rounds=1)  # the first times out, the second goes through
    oa.release.set()
    frozen_clock.advance(seconds=6)
    run_worker(app)
    rows = [_row(app, row_id)[0] for row_id in (first, second)]
    assert _sent_texts(oa) == ["Cảm ơn bạn!", "Cảm ơn bạn!"], "two messages queued, two sent, none twice"
    assert [r.status for r in rows] == ["done", "done"]
    assert sorted(r.zalo_message_id for r in rows) == sorted(m["message_id"] for m in oa.sent_messages)


def test_message_without_text_is_left_to_staff_rather_than_resent(app, oa, customer, frozen_clock):
    row_id = _queue(app, message=request_user_info_message("Để lại thông tin", "Shop gọi lại",
                                                           "https://shop.vn/b.jpg"))
    _hang_next_send(oa)
    run_worker(app, rounds=1)
    oa.release.set()
    frozen_clock.advance(seconds=6)
    run_worker(app)
    row, message = _row(app, row_id)
    assert len(oa.sent_messages) == 1
    assert row.status == "dead" and message.delivery_state == "failed" and message.failure_reason == NO_TEXT


def test_a_conversation_too_busy_to_look_through_is_left_to_staff(app, oa, customer, frozen_clock):
    from sandbox.zalo.simulator import build_event, note_interaction

    row_id = _queue(app)
    _hang_next_send(oa)
    run_worker(app, rounds=1)
    oa.release.set()
    for n in range(PAGE * PAGES):  # the customer writes 50 more messages before the retry
        frozen_clock.advance(milliseconds=100)
        note_interaction(oa, build_event(oa, "text", customer, text=f"tin {n}"))
    frozen_clock.advance(seconds=6)
    run_worker(app)
    row, message = _row(app, row_id)
    assert len(oa.sent_messages) == 1
    assert row.status == "dead" and message.failure_reason == TOO_BUSY


def test_a_failed_check_is_retried_and_never_turns_into_a_blind_resend(app, oa, customer, frozen_clock):
    row_id = _queue(app)
    _hang_next_send(oa)
    oa.faults.append({"path": CONVERSATION, "code": -32, "times": 1})
    run_worker(app, rounds=1)
    oa.release.set()
    frozen_clock.advance(seconds=6)
    run_worker(app, rounds=1)
    row, _ = _row(app, row_id)
    assert row.status == "pending" and "Could not check" in row.last_error and "-32" in row.last_error
    frozen_clock.advance(seconds=61)
    run_worker(app)
    row, _ = _row(app, row_id)
    assert len(oa.sent_messages) == 1 and row.status == "done"


def test_zalo_refusal_is_a_known_outcome_and_clears_the_marker(app, oa, customer, frozen_clock):
    row_id = _queue(app)
    oa.faults.append({"path": CS, "code": -32, "times": 1})
    run_worker(app, rounds=1)
    row, _ = _row(app, row_id)
    assert row.status == "pending" and row.send_started_at is None
    frozen_clock.advance(seconds=61)
    run_worker(app)
    assert not any(r["path"] == CONVERSATION for r in oa.requests), "nothing to check: Zalo said no"
    assert len(oa.sent_messages) == 1


def test_emulated_conversation_lists_both_sides_newest_first_in_documented_shape(app, oa, customer, client):
    customer_says(client, oa, customer, "text", text="Còn hàng không?")
    _queue(app, "Còn ạ")
    run_worker(app)
    with app.app_context():
        listing = app.extensions["zalo_oa"].conversation(customer.oa_user_id, count=10)
    assert [(e["src"], e["type"], e["message"]) for e in listing[:3]] == [
        (0, "text", "Còn ạ"), (1, "text", "Còn hàng không?"), (1, "text", "alo")]
    assert set(listing[0]) >= {"src", "time", "type", "message", "message_id", "from_id", "to_id",
                               "from_display_name", "from_avatar", "to_display_name", "to_avatar"}
    assert listing[0]["to_id"] == customer.oa_user_id and listing[0]["from_id"] == oa.oa_id
    from miniapp_api.zalo.http import ZaloError

    with app.app_context(), pytest.raises(ZaloError) as refused:
        app.extensions["zalo_oa"].conversation(customer.oa_user_id, count=11)
    assert refused.value.code == -201
