"""A webhook endpoint's life over HTTP, on a frozen clock: its secret rotated with an overlap (both signatures,
then only the new; a CRM's pushes accepted with either meanwhile), turned off after failing for five days (a
success resets the clock), what it missed sent by time range after it is back, and its own retry schedule."""
from __future__ import annotations

import json

import pytest

from crm_sync import standard_webhooks
from crm_sync.admin import save_connector
from miniapp_api import clock
from miniapp_api.extensions import db
from tests.customer_helpers import call
from tests.staff_helpers import staff_headers
from tests.sync_helpers import connector, new_customer, phones, statuses, sync

SYNC = "/sync/connectors"


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, "owner")


@pytest.fixture
def hooks(app, webhook_receiver):
    """Connector `hooks` to the receiver, retrying a minute apart."""
    with app.app_context():
        save_connector(db.session, app.config["SECRET_KEY"], "hooks", "webhook", base_url=webhook_receiver.url,
                       credentials={"secret": webhook_receiver.secret}, rate_limit_per_second=0,
                       retry_schedule="60,60,60")
        db.session.commit()
    return webhook_receiver


def _push_order(client, secret: str, order_id: str) -> int:
    body = json.dumps({"orders": [{"id": order_id, "status": "paid", "updated_at": "2026-11-01T03:00:00Z"}]}).encode()
    headers = standard_webhooks.signed_headers(secret, f"msg_{order_id}", int(clock.now().timestamp()), body)
    response = client.post("/webhooks/crm/hooks", data=body, headers={**headers, "Content-Type": "application/json"})
    response.close()
    return response.status_code


def test_a_rotated_secret_signs_beside_the_old_one_until_the_overlap_ends(app, client, owner, hooks, frozen_clock):
    old = hooks.secret
    status, rotated = call(client, "POST", f"{SYNC}/hooks/rotate-secret", owner)
    assert status == 200 and rotated["secret"].startswith("whsec_") and rotated["secret"] != old
    assert rotated["secret"] not in json.dumps(call(client, "GET", SYNC, owner)[1])  # shown once, never again
    new_customer(app, phones(1)[0])
    sync(app, "hooks")
    assert len(hooks.accepted) == 1 and hooks.rejected == 0  # the receiver still checks with the old secret
    hooks.secret = rotated["secret"]
    new_customer(app, phones(2)[1])
    sync(app, "hooks")
    assert len(hooks.accepted) == 2 and hooks.rejected == 0  # ... and may switch whenever it likes
    assert _push_order(client, old, "HD1") == 200  # a CRM still signing with the old secret is heard
    frozen_clock.advance(hours=24, minutes=1)
    assert _push_order(client, old, "HD2") == 401
    assert _push_order(client, rotated["secret"], "HD3") == 200
    hooks.secret = old
    new_customer(app, phones(3)[2])
    sync(app, "hooks")
    assert hooks.rejected == 1  # after the overlap only the new secret signs


def test_an_endpoint_failing_five_days_is_turned_off_and_a_success_resets_the_clock(app, client, owner, hooks,
                                                                                 frozen_clock):
    numbers = iter(phones(20))

    def day(failing: bool):
        hooks.fail_next = 10**6 if failing else 0
        new_customer(app, next(numbers))
        sync(app, "hooks")
        frozen_clock.advance(days=1)

    for failing in (True, True, True, False, True, True, True, True, True):  # a success on day 4
        day(failing)
    assert connector(app, "hooks").enabled and connector(app, "hooks").failing_since is not None
    day(True)  # day 10: five days since the first failure after the success
    stopped = connector(app, "hooks")
    assert not stopped.enabled and "every delivery failed for 120 hours" in stopped.disabled_reason
    status, shown = call(client, "GET", SYNC, owner)
    assert shown[0]["health"] == "disabled" and shown[0]["disabled_reason"] == stopped.disabled_reason
    status, audit = call(client, "GET", "/audit", owner, query_string={"action": "connector.auto_disable"})
    assert [entry["target_id"] for entry in audit] == ["hooks"]

    missed = new_customer(app, next(numbers))
    sync(app, "hooks")  # fanned out while it is off: not queued for it
    frozen_clock.advance(seconds=1)
    hooks.fail_next = 0
    assert call(client, "POST", f"{SYNC}/hooks/enable", owner)[0] == 200
    assert connector(app, "hooks").disabled_reason is None
    status, recovered = call(client, "POST", f"{SYNC}/hooks/recover", owner, json={"since": "2026-11-01T00:00:00Z"})
    assert status == 200 and recovered["count"] >= 1
    sync(app, "hooks")
    assert missed in {body["data"]["ref"] for body in hooks.accepted.values()}
    again = call(client, "POST", f"{SYNC}/hooks/recover", owner, json={"since": "2026-11-01T00:00:00Z"})[1]
    assert again["count"] == 0  # what it has now is not sent twice
    assert hooks.duplicates == []


def test_retry_schedules_and_ranges_are_checked(client, owner, hooks):
    status, body = call(client, "PATCH", f"{SYNC}/hooks", owner, json={"retry_schedule": "10, soon"})
    assert status == 422 and "retry_schedule" in body["errors"], body
    status, body = call(client, "PATCH", f"{SYNC}/hooks", owner, json={"retry_schedule": "10,600"})
    assert status == 200 and body["retry_schedule"] == "10,600"
    status, body = call(client, "PATCH", f"{SYNC}/hooks", owner, json={"retry_schedule": None})
    assert status == 200 and body["retry_schedule"] is None
    for bad in ({"since": "2026-12-01T00:00:00Z", "until": "2026-11-01T00:00:00Z"},
                {"since": "2026-01-01T00:00:00Z", "until": "2026-12-01T00:00:00Z"}):
        status, body = call(client, "POST", f"{SYNC}/hooks/recover", owner, json=bad)
        assert status == 422 and "since" in body["errors"], body
    status, body = call(client, "POST", f"{SYNC}/hooks/recover", owner, json={"since": "2026-12-01T00:00:00"})
    assert status == 422 and "since" in body["errors"]  # a time without its zone is ambiguous


def test_the_retry_schedule_of_a_connector_is_its_own(app, hooks, frozen_clock):
    hooks.fail_next = 10**6
    new_customer(app, phones(1)[0])
    sync(app, "hooks")
    frozen_clock.advance(seconds=61)
    sync(app, "hooks")
    assert statuses(app, "hooks") == {"pending": 1}  # two attempts in 61 s: its own 60 s, not the default


def test_recovering_sends_an_erased_customers_erasure_but_not_their_data(app, client, owner, hooks, frozen_clock):
    assert call(client, "POST", f"{SYNC}/hooks/disable", owner)[0] == 200
    kept, erased = (new_customer(app, p) for p in phones(2))  # while it is off: not queued for it
    assert call(client, "POST", f"/customers/{erased}/erase", owner)[0] == 200
    sync(app, "hooks")  # the events are fanned out to the connectors that are on: not to this one
    frozen_clock.advance(seconds=1)
    assert call(client, "POST", f"{SYNC}/hooks/enable", owner)[0] == 200
    status, recovered = call(client, "POST", f"{SYNC}/hooks/recover", owner, json={"since": "2026-10-31T00:00:00Z"})
    assert (status, recovered["count"]) == (200, 2), recovered  # nothing queued that carries their data
    sync(app, "hooks")
    sent = sorted((body["type"], body["data"].get("ref")) for body in hooks.accepted.values())
    assert sent == sorted([("customer.upserted", kept), ("customer.erased", erased)])
