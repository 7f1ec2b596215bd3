"""Metrics from real use: Zalo's webhook arrives after the customer wrote, the worker processes it later still,
and staff answer through the API; the metrics endpoint must see the response cycle."""
from miniapp_api import clock
from miniapp_api.models.staff import AGENT, OWNER
from tests.oa_helpers import customer_says, run_worker
from tests.staff_helpers import staff_headers

DELAY_SECONDS = 40  # Zalo's timestamp → our processing: webhook retries, a busy worker


def _conversation_id(client, headers) -> int:
    return client.get("/api/v1/admin/conversations", headers=headers).get_json()["items"][0]["id"]


def _metrics(client, headers) -> dict:
    day = clock.now().astimezone(clock.LOCAL_TZ).date().isoformat()
    response = client.get(f"/api/v1/admin/metrics?from={day}&to={day}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["overall"]


def _customer_writes_late(client, oa, user, frozen_clock, app, text):
    written_ms = int(frozen_clock.now().timestamp() * 1000)
    frozen_clock.advance(seconds=DELAY_SECONDS)
    customer_says(client, oa, user, "text", text=text, timestamp_ms=written_ms)
    run_worker(app)


def test_a_conversation_opened_by_a_late_processed_message_starts_a_response_cycle(app, client, oa, frozen_clock):
    owner = staff_headers(app, client, OWNER)
    agent = staff_headers(app, client, AGENT)
    user = oa.create_user("Lê Văn Khách")
    _customer_writes_late(client, oa, user, frozen_clock, app, "Shop ơi còn hàng không?")
    waiting = _metrics(client, owner)
    assert (waiting["opened"], waiting["cycles"], waiting["waiting"]) == (1, 1, 1)

    conversation = _conversation_id(client, owner)
    frozen_clock.advance(seconds=5 * 60)
    reply = client.post(f"/api/v1/admin/conversations/{conversation}/reply", json={"text": "Dạ còn ạ"},
                        headers=agent)
    assert reply.status_code == 201, reply.get_json()
    run_worker(app)
    answered = _metrics(client, owner)
    assert (answered["cycles"], answered["answered"], answered["response_rate"], answered["waiting"]) == (1, 1, 1.0, 0)
    # from when the customer wrote (Zalo's timestamp), not from when we processed it
    assert answered["first_response_seconds"]["median"] == DELAY_SECONDS + 5 * 60


def test_a_reopening_message_processed_late_starts_a_new_cycle(app, client, oa, frozen_clock):
    owner = staff_headers(app, client, OWNER)
    user = oa.create_user("Lê Văn Khách")
    _customer_writes_late(client, oa, user, frozen_clock, app, "Chào shop")
    conversation = _conversation_id(client, owner)
    assert client.post(f"/api/v1/admin/conversations/{conversation}/reply", json={"text": "Dạ"},
                       headers=owner).status_code == 201
    run_worker(app)
    assert client.post(f"/api/v1/admin/conversations/{conversation}/close", headers=owner).status_code == 200
    frozen_clock.advance(hours=1)
    _customer_writes_late(client, oa, user, frozen_clock, app, "Cho hỏi thêm")
    overall = _metrics(client, owner)
    assert (overall["reopened"], overall["cycles"], overall["answered"], overall["waiting"]) == (1, 2, 1, 1)
