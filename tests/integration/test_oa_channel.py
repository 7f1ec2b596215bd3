"""Account-level Zalo errors pause the OA channel with nothing lost; a fix resumes it and each message goes once."""
import json

import pytest
import requests

from miniapp_api.extensions import db
from miniapp_api.models import Customer, OaContact, OaOutbound
from miniapp_api.services.oa.outbound import queue_text_message
from tests.oa_helpers import customer_in_window, messages, post_event, run_worker, zalo_window
from tests.staff_helpers import staff_headers

CS = "/v3.0/oa/message/cs"


@pytest.fixture
def customer(client, app, oa, frozen_clock):
    user = customer_in_window(client, app, oa)
    frozen_clock.advance(days=3)  # past 48 h: a message is billed to the Zalo Cloud Account
    return user


def _queue(app, *texts):
    with app.app_context():
        contact = db.session.scalar(db.select(OaContact))
        for text in texts:
            queue_text_message(db.session, db.session.get(Customer, contact.customer_id), text, reason="staff_reply")
        db.session.commit()


def _rows(app):
    with app.app_context():
        rows = db.session.scalars(db.select(OaOutbound).where(OaOutbound.kind == "send_message")
                                  .order_by(OaOutbound.id)).all()
        db.session.expunge_all()
        return rows


def _cs_calls(oa):
    return len([r for r in oa.requests if r["path"] == CS])


def _sent_texts(oa):
    return [m["message"]["text"] for m in oa.sent_messages]


def _assert_all_queued(app):
    rows = _rows(app)
    assert [(r.status, r.attempts, r.send_started_at) for r in rows] == [("pending", 0, None)] * len(rows)
    assert {m.delivery_state for m in messages(app) if m.direction == "out"} == {"queued"}


@pytest.mark.parametrize("zca,code", [("missing", "-320"), ("no_funds", "-321")])
def test_no_zalo_cloud_account_pauses_keeps_everything_queued_and_an_admin_resumes(
        client, runner, app, oa, customer, zca, code):
    zalo_window(oa, zca=zca)
    _queue(app, "Một", "Hai")
    run_worker(app)
    assert _cs_calls(oa) == 1 and oa.sent_messages == []  # the second was never tried
    _assert_all_queued(app)
    ready = client.get("/readyz").get_json()
    assert ready["status"] == "ready" and ready["oa_channel"]["status"] == "paused"
    assert ready["oa_channel"]["code"] == code and "Zalo Cloud Account" in ready["oa_channel"]["reason"]
    status = json.loads(runner.invoke(args=["zalo", "token-status"]).output)
    assert status["channel"]["needs_attention"] is True and status["channel"]["code"] == code
    run_worker(app)
    assert _cs_calls(oa) == 1  # paused: nothing is claimed
    admin = staff_headers(app, client, "admin")
    connection = client.get("/api/v1/admin/oa/connection", headers=admin).get_json()
    assert connection["channel"]["needs_attention"] is True and connection["channel"]["next_probe_at"]
    zalo_window(oa, zca="linked")  # the shop topped up / linked its account
    resumed = client.post("/api/v1/admin/oa/connection/resume", headers=admin).get_json()
    channel = resumed["channel"]
    assert (channel["status"], channel["needs_attention"], channel["reason"], channel["next_probe_at"]) == \
        ("active", False, None, None)
    assert channel["resumed_by"].startswith("staff:") and channel["resumed_at"] and channel["code"] == code
    run_worker(app)
    run_worker(app)
    assert _sent_texts(oa) == ["Một", "Hai"]
    assert [(r.status, r.attempts) for r in _rows(app)] == [("done", 1), ("done", 1)]
    assert all(m.paid for m in messages(app) if m.direction == "out")


def test_agents_cannot_see_or_resume_the_connection(client, app, oa):
    agent = staff_headers(app, client, "agent")
    assert client.get("/api/v1/admin/oa/connection", headers=agent).status_code == 403
    assert client.post("/api/v1/admin/oa/connection/resume", headers=agent).status_code == 403


def test_a_probe_after_the_wait_resumes_once_fixed_and_waits_longer_while_not(app, oa, customer, frozen_clock):
    zalo_window(oa, zca="missing")
    _queue(app, "Một", "Hai")
    run_worker(app)
    frozen_clock.advance(minutes=4)
    run_worker(app)
    assert _cs_calls(oa) == 1  # before the first probe
    frozen_clock.advance(minutes=2)
    run_worker(app)
    assert _cs_calls(oa) == 2  # the probe: one call, refused again
    _assert_all_queued(app)
    frozen_clock.advance(minutes=10)
    run_worker(app)
    assert _cs_calls(oa) == 2  # the second wait is 15 min
    zalo_window(oa, zca="linked")
    frozen_clock.advance(minutes=6)
    run_worker(app)
    run_worker(app)
    assert _sent_texts(oa) == ["Một", "Hai"] and _cs_calls(oa) == 4
    with app.app_context():
        assert app.extensions["oa_tokens"].status()["channel"]["resumed_by"] == "probe"


def test_a_free_reply_is_not_billed_so_it_goes_out_without_a_cloud_account(app, oa, client):
    customer_in_window(client, app, oa)
    zalo_window(oa, zca="missing")
    _queue(app, "Dạ")
    run_worker(app)
    assert _sent_texts(oa) == ["Dạ"]


@pytest.mark.parametrize("code", [-209, -212, -223])
def test_missing_app_or_oa_permission_pauses_too(client, app, oa, customer, code):
    oa.faults.append({"path": CS, "code": code, "times": 1})
    _queue(app, "Một")
    run_worker(app)
    _assert_all_queued(app)
    assert client.get("/readyz").get_json()["oa_channel"]["code"] == str(code)


def test_permission_revoked_pauses_until_the_oa_is_connected_again(client, runner, app, oa, customer):
    revoked = requests.post(f"{oa.url}/_sandbox/oa/revoke", json={"deliver": False}, timeout=5).json()
    assert post_event(client, oa, revoked["event"])[0] == 200
    _queue(app, "Một", "Hai")
    run_worker(app)
    assert _cs_calls(oa) == 0
    _assert_all_queued(app)
    channel = client.get("/readyz").get_json()["oa_channel"]
    assert (channel["status"], channel["code"]) == ("paused", "permission_revoked")
    pair = requests.post(f"{oa.url}/_sandbox/oa/token", json={}, timeout=5).json()
    result = runner.invoke(args=["zalo", "set-token", "--access-token", pair["access_token"],
                                 "--refresh-token", pair["refresh_token"]])
    assert result.exit_code == 0
    assert client.get("/readyz").get_json()["oa_channel"]["status"] == "active"
    post_event(client, oa, revoked["event"])  # Zalo resends the old event: it does not pause the channel again
    run_worker(app)
    run_worker(app)
    assert _sent_texts(oa) == ["Một", "Hai"]
    assert client.get("/readyz").get_json()["oa_channel"]["status"] == "active"


def test_revoked_tokens_seen_before_the_event_pause_the_channel_too(client, app, oa, customer, frozen_clock):
    requests.post(f"{oa.url}/_sandbox/oa/revoke", json={"deliver": False}, timeout=5)
    _queue(app, "Một")
    run_worker(app)
    _assert_all_queued(app)
    channel = client.get("/readyz").get_json()["oa_channel"]
    assert channel["code"] == "token_refresh_refused" and "Connect the OA again" in channel["reason"]
    assert oa.refresh_calls == 1


def test_resume_from_the_cli(runner, app, oa, customer):
    zalo_window(oa, zca="missing")
    _queue(app, "Một")
    run_worker(app)
    zalo_window(oa, zca="linked")
    assert "resumed" in runner.invoke(args=["zalo", "resume"]).output
    run_worker(app)
    assert _sent_texts(oa) == ["Một"]
    assert "was not paused" in runner.invoke(args=["zalo", "resume"]).output
