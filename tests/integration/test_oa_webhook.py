"""POST /webhooks/zalo: signature matrix, malformed and oversize bodies, dedupe, retries and dead letters."""
import json

import pytest

from miniapp_api.models import Message, WebhookEvent
from sandbox.zalo.simulator import build_event, encode, sign
from tests.oa_helpers import count, ingested, move, one, post_event, run_worker


@pytest.fixture
def event(zalo):
    user = zalo.create_user("Lê Văn Cường", app_user_id="552177279717587730", oa_user_id="246845883529197922")
    return build_event(zalo, "text", user, text="Chào shop, còn hàng không ạ?", msg_id="96d3cdf3af150460909",
                       timestamp_ms=1543908534740)


def _post(client, raw: bytes, header: str | None):
    headers = {"X-ZEvent-Signature": header} if header is not None else {}
    response = client.post("/webhooks/zalo", data=raw, content_type="application/json", headers=headers)
    try:
        return response.status_code, response.mimetype
    finally:
        response.close()


def test_valid_signature_is_stored(client, app, zalo, event):
    raw = encode(event)
    assert _post(client, raw, sign(zalo, raw, event)) == (200, "application/json")
    [accepted] = ingested(app)
    assert accepted.dedupe_key == "user_send_text:96d3cdf3af150460909" and accepted.raw_body == raw.decode()
    assert move(app) == 1 and ingested(app) == []
    row = one(app, WebhookEvent)
    assert row.event_name == "user_send_text" and row.raw_body == raw.decode() and row.status == "pending"
    assert row.dedupe_key == "user_send_text:96d3cdf3af150460909"


@pytest.mark.parametrize("case", ["wrong key", "tampered body", "re-serialised body", "missing header",
                                  "not mac= prefixed", "app secret instead of OA secret"])
def test_bad_signatures_are_401_and_store_nothing(client, app, zalo, event, case):
    raw = encode(event)
    header = sign(zalo, raw, event)
    if case == "wrong key":
        header = sign(zalo, raw, event, secret="not-the-oa-secret")
    elif case == "tampered body":
        raw = raw.replace("còn hàng".encode(), "hết hàng".encode())
    elif case == "re-serialised body":
        raw = json.dumps(event, indent=1).encode()  # same JSON, different bytes
    elif case == "missing header":
        header = None
    elif case == "not mac= prefixed":
        header = header.removeprefix("mac=")
    else:
        header = sign(zalo, raw, event, secret=zalo.app_secret)
    status, mimetype = _post(client, raw, header)
    assert (status, mimetype) == (401, "application/problem+json")
    assert ingested(app) == [] and count(app, WebhookEvent) == 0


def test_malformed_json_is_400(client, app, zalo):
    raw = b'{"event_name": "user_send_text", '
    assert _post(client, raw, "mac=" + "0" * 64)[0] == 400
    assert _post(client, b'["not", "an", "event"]', "mac=" + "0" * 64)[0] == 400
    assert ingested(app) == [] and count(app, WebhookEvent) == 0


def test_oversize_body_is_413(client, app, zalo, event):
    event["message"]["text"] = "x" * (300 * 1024)
    raw = encode(event)
    assert _post(client, raw, sign(zalo, raw, event))[0] == 413
    assert ingested(app) == [] and count(app, WebhookEvent) == 0


def test_same_event_five_times_gives_one_message(client, app, zalo, event):
    answers = [post_event(client, zalo, event) for _ in range(5)]
    assert [a[0] for a in answers] == [200] * 5
    assert [a[1]["status"] for a in answers] == ["stored"] + ["duplicate"] * 4
    run_worker(app)
    assert count(app, WebhookEvent) == 1
    assert count(app, Message) == 1


def test_events_without_msg_id_are_deduplicated_on_name_ids_and_timestamp(client, app, zalo):
    user = zalo.create_user("Phạm Thu")
    follow = build_event(zalo, "follow", user, timestamp_ms=1543979782740)
    later = build_event(zalo, "follow", user, timestamp_ms=1543979782741)
    assert post_event(client, zalo, follow)[1]["status"] == "stored"
    assert post_event(client, zalo, follow)[1]["status"] == "duplicate"
    assert post_event(client, zalo, later)[1]["status"] == "stored"


def test_old_timestamps_are_accepted(client, app, zalo, event, frozen_clock):
    event["timestamp"] = str(int(frozen_clock.now().timestamp() * 1000) - 11 * 3600 * 1000)  # an 11-hour-old resend
    assert post_event(client, zalo, event)[0] == 200


def test_the_handler_makes_no_outbound_call(client, zalo, event):
    before = len(zalo.requests)
    post_event(client, zalo, event)
    assert len(zalo.requests) == before


def test_unknown_events_are_kept_and_ignored(client, app, zalo):
    payload = {"app_id": zalo.app_id, "event_name": "user_call_oa", "sender": {"id": "1"},
               "recipient": {"id": zalo.oa_id}, "timestamp": "1700000000000"}
    assert post_event(client, zalo, payload)[0] == 200
    run_worker(app)
    row = one(app, WebhookEvent)
    assert row.status == "ignored" and "user_call_oa" in row.last_error


def test_failing_event_is_retried_then_dead_with_its_error(client, app, zalo, event, frozen_clock, monkeypatch):
    from miniapp_api.services.oa import webhook_inbox as inbox

    def broken(*_args):
        raise RuntimeError("database exploded")

    monkeypatch.setattr(inbox, "handle_event", broken)
    post_event(client, zalo, event)
    for _ in range(len(inbox.INBOX_SCHEDULE) + 1):
        run_worker(app, rounds=1)
        frozen_clock.advance(hours=3)
    row = one(app, WebhookEvent)
    assert row.status == "dead" and row.attempts == len(inbox.INBOX_SCHEDULE) + 1
    assert "database exploded" in row.last_error
    monkeypatch.undo()
    with app.app_context():
        from miniapp_api.queue import replay
        from miniapp_api.extensions import db

        assert replay(db.session, WebhookEvent) == 1
        db.session.commit()
    run_worker(app)
    assert one(app, WebhookEvent).status == "done"
    assert count(app, Message) == 1


def test_a_retry_is_not_claimed_before_its_backoff(client, app, zalo, event, frozen_clock, monkeypatch):
    from miniapp_api.services.oa import webhook_inbox as inbox

    calls = []
    monkeypatch.setattr(inbox, "handle_event", lambda *a: calls.append(1) or (_ for _ in ()).throw(RuntimeError("x")))
    post_event(client, zalo, event)
    run_worker(app, rounds=3)
    assert len(calls) == 1  # the clock did not move: the retry waits
    frozen_clock.advance(seconds=3)
    run_worker(app, rounds=1)
    assert len(calls) == 2
