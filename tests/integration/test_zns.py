"""ZNS over HTTP against the strict emulator: template sync, parameter checks, sends within the daily quota,
delivery by tracking_id, refusals (no verified phone), and the order-status fallback when the window is closed."""
import datetime as dt

import pytest
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import OutboxEvent
from miniapp_api.models.queue import DEAD, DONE, PENDING
from miniapp_api.services.customers.consents import record_consent
from miniapp_api.services.zns.delivery import next_refill
from sandbox.zalo.zns import receipt_event
from tests.inbox_helpers import call, open_conversation
from tests.oa_helpers import post_event, run_worker
from tests.staff_helpers import auth, login, staff_headers
from tests.sync_helpers import add_shopone, sync
from tests.zns_helpers import (put_template, run_zns, sent_by_zalo, set_quota, sync_templates,
                               verified_customer, zns_rows)

ORDER_DATA = {"customer_name": "Nguyễn Văn An", "order_code": "SO-1", "status": "Đang giao", "total": 250000}


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, "owner")


def _send(client, headers, conversation_id, template_id="2001", data=ORDER_DATA):
    return call(client, "POST", f"/api/v1/admin/conversations/{conversation_id}/zns", headers,
                json={"template_id": template_id, "template_data": data})


def test_templates_are_synced_from_zalo_with_their_parameters(app, client, oa, owner):
    put_template(oa, "2001")
    put_template(oa, "2002", params=[{"name": "otp", "maxLength": 6}], status="REJECT", name="OTP")
    body = sync_templates(client, owner)
    assert (body["created"], body["updated"], body["removed"]) == (2, 0, 0)
    by_id = {t["template_id"]: t for t in body["items"]}
    assert by_id["2002"]["status"] == "REJECT"
    assert by_id["2001"]["params"][1] == {"name": "order_code", "require": True, "type": "STRING", "maxLength": 12,
                                          "minLength": 0, "acceptNull": False}
    paths = [r["path"] for r in oa.requests]
    assert "/template/all" in paths and paths.count("/template/info/v2") == 2
    oa.zns.templates.pop("2002")  # deleted at Zalo
    assert sync_templates(client, owner)["removed"] == 1
    status, listed = call(client, "GET", "/api/v1/admin/zns/templates", owner)
    assert status == 200 and {t["template_id"]: t["status"] for t in listed["items"]} == {"2001": "ENABLE",
                                                                                           "2002": "DELETE"}


@pytest.mark.parametrize("template_id, data, field", [
    ("2001", {**ORDER_DATA, "order_code": "SO-1234567890123"}, "template_data.order_code"),  # > maxLength 12
    ("2001", {k: v for k, v in ORDER_DATA.items() if k != "customer_name"}, "template_data.customer_name"),
    ("2001", {**ORDER_DATA, "total": "hai trăm"}, "template_data.total"),  # NUMBER
    ("2001", {**ORDER_DATA, "oder_code": "x"}, "template_data.oder_code"),  # not a parameter of the template
    ("9999", ORDER_DATA, "template_id"),  # unknown
    ("2002", {"otp": "123456"}, "template_id"),  # not enabled at Zalo
])
def test_parameters_are_checked_against_the_template_before_queueing(app, client, oa, owner, template_id, data,
                                                                     field):
    put_template(oa, "2001")
    put_template(oa, "2002", params=[{"name": "otp", "maxLength": 6}], status="PENDING_REVIEW")
    sync_templates(client, owner)
    _, conversation_id = verified_customer(app, client, oa)
    status, problem = _send(client, owner, conversation_id, template_id, data)
    assert status == 422 and problem["type"] == "urn:problem:validation"
    assert list(problem["errors"]) == [field]
    assert zns_rows(app) == []


def test_a_template_is_sent_to_the_verified_phone_and_its_receipt_found_by_tracking_id(app, client, oa, owner):
    put_template(oa, "2001")
    sync_templates(client, owner)
    user, conversation_id = verified_customer(app, client, oa, phone="84912345678")
    status, queued = _send(client, owner, conversation_id)
    assert status == 201 and queued["delivery_state"] == "queued" and queued["phone"] == "+84 91* *** *78"
    run_zns(app)
    [sent] = sent_by_zalo(oa)
    assert (sent["phone"], sent["template_id"], sent["template_data"]) == ("84912345678", "2001", ORDER_DATA)
    [row] = zns_rows(app)
    assert (row.status, row.delivery_state, row.zalo_msg_id) == (DONE, "sent", sent["msg_id"])
    assert sent["tracking_id"] == row.tracking_id
    [request] = [r for r in oa.requests if r["path"] == "/message/template"]
    assert request["headers"]["access_token"]  # the OA's token, as for the OA API

    assert post_event(client, oa, receipt_event(oa, sent))[0] == 200
    run_worker(app)
    [row] = zns_rows(app)
    assert row.delivery_state == "received" and row.received_at is not None
    status, listed = call(client, "GET", f"/api/v1/admin/conversations/{conversation_id}/zns", owner)
    assert status == 200 and [m["delivery_state"] for m in listed["items"]] == ["received"]


def test_a_spent_daily_quota_keeps_messages_queued_until_it_refills(app, client, oa, owner, frozen_clock):
    put_template(oa, "2001")
    sync_templates(client, owner)
    set_quota(oa, daily=2, remaining=0)
    assert call(client, "GET", "/api/v1/admin/zns/quota", owner) == (200, {"dailyQuota": "2", "remainingQuota": "0"})
    _, conversation_id = verified_customer(app, client, oa)
    assert _send(client, owner, conversation_id)[0] == 201
    run_zns(app, rounds=2)
    assert sent_by_zalo(oa) == []
    [row] = zns_rows(app)
    assert (row.status, row.attempts, row.delivery_state) == (PENDING, 0, "queued")
    frozen_clock._now = next_refill(frozen_clock.now())
    run_zns(app)
    assert len(sent_by_zalo(oa)) == 1 and zns_rows(app)[0].status == DONE


def test_zalo_saying_the_quota_is_spent_defers_without_counting_an_attempt(app, client, oa, owner, frozen_clock):
    put_template(oa, "2001")
    sync_templates(client, owner)
    _, conversation_id = verified_customer(app, client, oa)
    assert _send(client, owner, conversation_id)[0] == 201
    assert _send(client, owner, conversation_id)[0] == 201
    oa.faults.append({"path": "/message/template", "code": -144, "times": 1})
    run_zns(app)
    rows = zns_rows(app)
    assert [(r.status, r.attempts) for r in rows] == [(PENDING, 0), (PENDING, 0)]
    assert all(r.available_at == next_refill(frozen_clock.now()) for r in rows)
    frozen_clock.advance(days=1)
    run_zns(app)
    assert [r.status for r in zns_rows(app)] == [DONE, DONE] and len(sent_by_zalo(oa)) == 2


def test_failures_retry_then_end_in_dead_letter_and_replay(app, client, oa, owner, frozen_clock):
    from miniapp_api import queue
    from miniapp_api.models import ZnsMessage

    put_template(oa, "2001")
    sync_templates(client, owner)
    _, conversation_id = verified_customer(app, client, oa)
    assert _send(client, owner, conversation_id)[0] == 201
    oa.faults.append({"path": "/message/template", "code": -100, "times": 1})  # "unknown error, try again later"
    run_zns(app)
    [row] = zns_rows(app)
    assert (row.status, row.attempts) == (PENDING, 1) and "-100" in row.last_error
    oa.faults.append({"path": "/message/template", "code": -118, "times": 1})  # no Zalo account: final
    frozen_clock.advance(minutes=5)
    run_zns(app)
    [row] = zns_rows(app)
    assert (row.status, row.delivery_state) == (DEAD, "failed")
    with app.app_context():
        assert queue.replay(db.session, ZnsMessage) == 1
        db.session.commit()
    run_zns(app)
    assert zns_rows(app)[0].status == DONE and len(sent_by_zalo(oa)) == 1


def test_a_customer_without_a_verified_phone_is_refused(app, client, oa, owner):
    put_template(oa, "2001")
    sync_templates(client, owner)
    # Zalo's shared info gives the OA a phone, but it is only a claim (docs/profiles.md): never a ZNS recipient.
    conversation_id = open_conversation(app, client, oa, phone="84912345678")
    status, problem = _send(client, owner, conversation_id)
    assert status == 409 and problem["type"] == "urn:problem:zns:no_verified_phone"
    assert zns_rows(app) == []


def test_a_staff_reply_outside_the_window_offers_the_templates(app, client, oa, owner, frozen_clock):
    put_template(oa, "2001")
    put_template(oa, "2002", params=[{"name": "otp"}], status="REJECT")
    sync_templates(client, owner)
    _, conversation_id = verified_customer(app, client, oa)
    frozen_clock.advance(days=8)
    owner = auth(login(client, "owner@shop.vn"))  # the staff session from before has expired
    status, problem = call(client, "POST", f"/api/v1/admin/conversations/{conversation_id}/reply", owner,
                           json={"text": "Shop chào bạn"})
    assert status == 409 and problem["type"] == "urn:problem:outbound:window_closed"
    assert problem["zns_templates"] == [{"template_id": "2001", "name": "Cập nhật đơn",
                                         "params": ["customer_name", "order_code", "status", "total"]}]
    assert problem["zns_send"] == f"/api/v1/admin/conversations/{conversation_id}/zns"
    assert _send(client, owner, conversation_id)[0] == 201


def _status_events(app):
    with app.app_context():
        return [e.payload["customer_notified"] for e in db.session.scalars(
            sa.select(OutboxEvent).where(OutboxEvent.event_type == "order.status_changed").order_by(OutboxEvent.id))]


@pytest.mark.parametrize("days_later, outcome, by_zns", [(0, "queued", False), (8, "zns_queued", True)])
def test_order_status_falls_back_to_zns_when_the_window_is_closed(app, client, oa, owner, shopone, frozen_clock,
                                                                 days_later, outcome, by_zns):
    app.config["ZNS_ORDER_TEMPLATES"] = {"shipping": {"template_id": "2001", "params": {
        "customer_name": "customer.name", "order_code": "order.code", "status": "order.status_vi",
        "total": "order.total_vnd"}}}
    put_template(oa, "2001")
    sync_templates(client, owner)
    user, _ = verified_customer(app, client, oa)
    with app.app_context():
        from miniapp_api.models import Customer, OaContact

        contact = db.session.scalar(sa.select(OaContact).where(OaContact.oa_user_id == user.oa_user_id))
        ref = db.session.get(Customer, contact.customer_id).ref
        record_consent(db.session, contact.customer_id, "marketing", True, source="test")
        db.session.commit()
    frozen_clock.advance(days=days_later)
    add_shopone(app, shopone, pull_orders=True)
    shopone.put_order({"id": "SO-7", "status": "shipping", "customer_ref": ref, "phone": "0912345678",
                       "total": 250000, "updated_at": frozen_clock.now().isoformat().replace("+00:00", "Z")})
    sync(app)
    run_worker(app)
    run_zns(app)
    assert _status_events(app) == [outcome]
    sent = sent_by_zalo(oa)
    assert bool(sent) == by_zns
    if by_zns:
        assert sent[0]["phone"] == "84912345678"
        assert sent[0]["template_data"] == {"customer_name": "Nguyễn Văn An", "order_code": "SO-7",
                                            "status": "Đang giao", "total": 250000}
        assert zns_rows(app)[0].reason == "order_status"


def test_next_refill_is_just_after_midnight_in_vietnam():
    at = dt.datetime(2026, 11, 1, 16, 59, tzinfo=dt.timezone.utc)  # 23:59 in Hà Nội
    assert next_refill(at) == dt.datetime(2026, 11, 1, 17, 1, tzinfo=dt.timezone.utc)


def test_erasing_the_customer_cancels_queued_templates_and_clears_their_phone(app, client, oa, owner):
    from miniapp_api.models import Conversation, Customer

    put_template(oa, "2001")
    sync_templates(client, owner)
    _, conversation_id = verified_customer(app, client, oa)
    assert _send(client, owner, conversation_id)[0] == 201
    with app.app_context():
        ref = db.session.get(Customer, db.session.get(Conversation, conversation_id).customer_id).ref
    assert call(client, "POST", f"/api/v1/admin/customers/{ref}/erase", owner)[0] == 200
    run_zns(app)
    assert sent_by_zalo(oa) == []
    [row] = zns_rows(app)
    assert (row.status, row.phone, row.template_data) == ("ignored", "erased", {})


def test_flask_zns_commands_sync_list_and_show_the_quota(app, oa, runner):
    put_template(oa, "2001")
    set_quota(oa, daily=500, remaining=480)
    assert "1 new" in runner.invoke(args=["zns", "sync"]).output
    assert runner.invoke(args=["zns", "list"]).output.split("\t")[:2] == ["2001", "ENABLE"]
    assert runner.invoke(args=["zns", "quota"]).output.strip() == "daily 500, remaining 480"
