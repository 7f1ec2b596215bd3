"""The CRM sync through the staff API (`/api/v1/admin/sync`): owners add and edit connectors (credentials
write-only) and test them; every reader sees health, lag and runs; dead letters are listed with the receiver's
answer, replayed and discarded; bad settings are 422s naming the field."""
from __future__ import annotations

import pytest

from tests.inbox_helpers import call
from tests.conftest import SHOPONE_KEY
from tests.sync_helpers import applied_refs, deliveries, new_customer, phones, statuses, sync
from tests.staff_helpers import staff_headers

SYNC = "/api/v1/admin/sync"


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, "owner")


def _add(client, owner, shopone, **overrides):
    body = {"name": "shopone", "kind": "shopone", "base_url": shopone.url, "credentials": {"api_key": SHOPONE_KEY},
            "schedule": "every 10s", **overrides}
    return call(client, "POST", f"{SYNC}/connectors", owner, json=body)


def test_an_owner_adds_tests_and_fixes_a_connector_whose_secrets_never_come_back(app, client, owner, shopone):
    status, made = _add(client, owner, shopone)
    assert status == 201, made
    assert made["credential_names"] == ["api_key"] and SHOPONE_KEY not in str(made)
    assert (made["health"], made["pending"], made["dead"]) == ("healthy", 0, 0)
    assert call(client, "POST", f"{SYNC}/connectors/shopone/test", owner) == (200, {
        "ok": True, "answer": f"ShopOne at {shopone.url} answered HTTP 200 with our key"})

    new_key = shopone.rotate_key()
    status, answer = call(client, "POST", f"{SYNC}/connectors/shopone/test", owner)
    assert status == 200 and answer["ok"] is False and "401" in answer["answer"]
    status, fixed = call(client, "PATCH", f"{SYNC}/connectors/shopone", owner,
                         json={"credentials": {"api_key": new_key}, "batch_size": 20})
    assert status == 200 and fixed["batch_size"] == 20 and new_key not in str(fixed)
    assert call(client, "POST", f"{SYNC}/connectors/shopone/test", owner)[1]["ok"] is True

    assert call(client, "POST", f"{SYNC}/connectors/shopone/disable", owner)[1]["health"] == "disabled"
    assert call(client, "POST", f"{SYNC}/connectors/shopone/enable", owner)[1]["health"] == "healthy"
    viewer = staff_headers(app, client, "viewer")
    status, listed = call(client, "GET", f"{SYNC}/connectors", viewer)
    assert status == 200 and [c["name"] for c in listed] == ["shopone"]
    assert call(client, "POST", f"{SYNC}/connectors/shopone/test", viewer)[0] == 403


def test_bad_settings_are_named(client, owner, shopone):
    for overrides, field in (({"kind": "khong-co"}, "kind"), ({"schedule": "thỉnh thoảng"}, "schedule"),
                             ({"credentials": {}}, "credentials"), ({"base_url": "not a url"}, "base_url"),
                             ({"name": "Tên Có Dấu"}, "name")):
        status, problem = _add(client, owner, shopone, **overrides)
        assert status == 422 and list(problem["errors"]) == [field], (overrides, problem)
    assert _add(client, owner, shopone)[0] == 201
    assert _add(client, owner, shopone)[0] == 409
    assert call(client, "PATCH", f"{SYNC}/connectors/khong-co", owner, json={"batch_size": 5})[0] == 404


def test_dead_letters_show_the_answer_and_replay_or_discard(app, client, owner, shopone, frozen_clock):
    assert _add(client, owner, shopone)[0] == 201
    refs = [new_customer(app, p) for p in phones(3)]
    shopone.set_faults(reject_refs=refs)
    sync(app)
    status, dead = call(client, "GET", f"{SYNC}/dead-letters", owner)
    assert status == 200 and sorted(d["aggregate_id"] for d in dead) == sorted(refs)
    assert all("422" in d["last_error"] and "rejected by the sandbox" in d["response_body"] for d in dead)
    [health] = call(client, "GET", f"{SYNC}/connectors", owner)[1]
    assert health["health"] == "failing" and health["dead"] == 3 and health["last_runs"][0]["dead"] == 3

    shopone.set_faults(reject_refs=[])
    ids = [d["id"] for d in deliveries(app)]
    assert call(client, "POST", f"{SYNC}/dead-letters/replay", owner, json={"ids": [ids[0]]})[1]["count"] == 1
    assert call(client, "POST", f"{SYNC}/dead-letters/discard", owner, json={"ids": [ids[1]]})[1]["count"] == 1
    assert call(client, "POST", f"{SYNC}/dead-letters/replay", owner,
                json={"all": True, "connector": "shopone"})[1]["count"] == 1
    sync(app)
    assert sorted(applied_refs(shopone)) == sorted([refs[0], refs[2]])
    assert statuses(app) == {"done": 2, "ignored": 1}
    status, problem = call(client, "POST", f"{SYNC}/dead-letters/replay", owner, json={})
    assert status == 422 and list(problem["errors"]) == ["ids"]
