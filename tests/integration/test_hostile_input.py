"""Hostile input never gives a 500: deep JSON, odd links and headers, unstorable text, far dates, odd cursors,
a segment that would poison the list. Each case here was a 500 once (issue "Trust", items 3–6)."""
from __future__ import annotations

import base64
import json
import logging

import pytest
import sqlalchemy as sa

from crm_sync import standard_webhooks
from miniapp_api.extensions import db
from miniapp_api.models import Message, Order, Segment, StaffUser, WebhookEvent
from miniapp_api.models.staff import AGENT, OWNER, VIEWER
from sandbox.zalo.simulator import build_event
from tests.helpers import bearer, contact_values, open_session, zalo_user
from tests.inbox_helpers import BASE, open_conversation
from tests.oa_helpers import count, move, one, post_event, run_worker
from tests.staff_helpers import staff_headers
from tests.sync_helpers import shopone_taking_pushes

DEEP = b"[" * 5000 + b"]" * 5000  # 10 KB
UNSTORABLE = ["a\x00b", "a\ud800b", "a\x1bb"]
TEXT_RULE = "Must not contain NUL, other control characters or unpaired surrogates."


def _status(response) -> tuple[int, str]:
    try:
        return response.status_code, response.mimetype
    finally:
        response.close()


# Item 3: deep JSON, a non-ASCII connect link, a 400-digit webhook timestamp, odd signed CRM pushes.

@pytest.mark.parametrize("path", ["/webhooks/zalo", "/api/v1/admin/auth/login", "/api/v1/miniapp/session",
                                  "/api/v1/miniapp/phone", "/api/v1/miniapp/consent",
                                  "/api/v1/miniapp/forms/lien-he/submissions", "/api/v1/admin/segments"])
def test_deeply_nested_json_is_a_400_without_a_traceback(client, path, caplog):
    with caplog.at_level(logging.INFO):
        response = client.post(path, data=DEEP, content_type="application/json",
                               headers={"X-ZEvent-Signature": "mac=" + "0" * 64})
    assert _status(response) == (400, "application/problem+json")
    assert "nested more than 32 levels" in response.get_json()["detail"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_json_nested_within_the_limit_is_read(client):
    shallow = {"email": "a@shop.vn", "password": [[[[["x"]]]]]}
    assert client.post("/api/v1/admin/auth/login", json=shallow).status_code == 422


def test_a_connect_link_with_a_non_ascii_mac_is_refused(client):
    response = client.get("/oauth/zalo/start?ticket=1.%C3%A9")
    assert response.status_code == 403 and "not valid" in response.get_data(as_text=True)


def _push(client, secret, body: bytes, now, *, timestamp: str | None = None):
    headers = standard_webhooks.signed_headers(secret, "msg_1", int(now.timestamp()), body)
    if timestamp is not None:
        headers["webhook-timestamp"] = timestamp
    return client.post("/webhooks/crm/shopone", data=body, headers={**headers, "Content-Type": "application/json"})


def test_a_400_digit_webhook_timestamp_is_a_401(app, client, shopone, frozen_clock):
    secret = shopone_taking_pushes(app, shopone)
    response = _push(client, secret, b'{"orders": []}', frozen_clock.now(), timestamp="9" * 400)
    assert _status(response) == (401, "application/problem+json")
    assert "tolerance" in response.get_json()["detail"]


@pytest.mark.parametrize("case, expected", [
    ("deep", 400), ("year one", 422), ("huge total", 422), ("long id", 422), ("nul", 422)])
def test_odd_signed_order_pushes_are_refused_and_store_nothing(app, client, shopone, frozen_clock, case, expected):
    secret = shopone_taking_pushes(app, shopone)
    order = {"id": "SO-1", "status": "new", "updated_at": "2026-11-01T02:00:00Z"}
    if case == "deep":
        body = b'{"orders": ' + DEEP + b"}"
    else:
        order |= {"year one": {"updated_at": "0001-01-01T00:00:00+14:00"}, "huge total": {"total": 10**30},
                  "long id": {"id": "S" * 101}, "nul": {"status": "n\x00ew"}}[case]
        body = json.dumps({"orders": [order]}).encode()
    response = _push(client, secret, body, frozen_clock.now())
    assert _status(response) == (expected, "application/problem+json")
    assert count(app, Order) == 0


# Item 4: NUL, unpaired surrogates and other control characters: a 422 naming the field, on both databases.

@pytest.mark.parametrize("text", UNSTORABLE, ids=["nul", "surrogate", "escape"])
def test_unstorable_text_in_staff_bodies_and_filters_is_a_422_naming_the_field(app, client, zalo, text):
    owner = staff_headers(app, client, OWNER)
    conversation = open_conversation(app, client, zalo)
    cases = [
        ("POST", f"{BASE}/{conversation}/notes", {"json": {"text": text}}, "text"),
        ("POST", f"{BASE}/{conversation}/reply", {"json": {"text": text}}, "text"),
        ("POST", "/api/v1/admin/staff", {"json": {"email": "b@shop.vn", "name": text, "role": AGENT,
                                                  "password": "đủ-dài-mười-ký-tự"}}, "name"),
        ("PATCH", "/api/v1/admin/staff/1", {"json": {"name": text}}, "name"),
        ("POST", "/api/v1/admin/api-keys", {"json": {"name": text, "scopes": ["customers:read"]}}, "name"),
        ("GET", "/api/v1/admin/audit", {"query_string": {"action": text}}, "action"),
        ("GET", BASE, {"query_string": {"tag": text}}, "tag"),
        ("GET", BASE, {"query_string": {"q": text}}, "q"),
        ("GET", "/api/v1/admin/customers", {"query_string": {"tags": text}}, "tags"),
        ("POST", "/api/v1/admin/segments", {"json": {"name": "s", "filter": {"tags": ["vip", text]}}},
         "filter.tags.1"),
        ("POST", "/api/v1/admin/tags", {"json": {"name": "vip", text: 1}}, None),
    ]
    for method, path, kwargs, field in cases:
        if "query_string" in kwargs and "\ud800" in text:
            continue  # a URL cannot carry one: %ED%A0%80 is not UTF-8 and decodes as U+FFFD
        if "json" in kwargs:  # the encoder escapes both as \\u0000 / \\ud800, as a hostile client would
            kwargs = {"data": json.dumps(kwargs.pop("json")), "content_type": "application/json", **kwargs}
        response = client.open(path, method=method, headers=owner, **kwargs)
        assert _status(response) == (422, "application/problem+json"), (method, path, response.get_json())
        errors = response.get_json()["errors"]
        assert errors.get(field or next(iter(errors))) == [TEXT_RULE], (path, errors)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Segment)) == 0


@pytest.mark.parametrize("text", UNSTORABLE, ids=["nul", "surrogate", "escape"])
def test_unstorable_text_in_mini_app_submissions_is_a_422_naming_the_field(app, client, zalo, text):
    session = open_session(client, zalo, zalo_user(zalo))
    body = json.dumps({"values": contact_values(note=text)})
    response = client.post("/api/v1/miniapp/forms/lien-he/submissions", data=body,
                           content_type="application/json", headers=bearer(session))
    assert _status(response) == (422, "application/problem+json")
    assert response.get_json()["errors"] == {"values.note": [TEXT_RULE]}
    response = client.post("/api/v1/miniapp/forms/lien-he/submissions", json={"values": contact_values()},
                           headers={**bearer(session), "Idempotency-Key": "k\x00" if "\ud800" in text else f"k{text}"})
    assert _status(response) == (400, "application/problem+json")


@pytest.mark.parametrize("path, parameter", [
    ("/api/v1/miniapp/forms/a%00b", "slug"), ("/webhooks/crm/a%00b", "name"),
    ("/api/v1/miniapp/forms/a%1Bb", "slug"), ("/oauth/zalo/callback?code=x&state=a%00b", "state")])
def test_unstorable_text_in_paths_and_queries_is_a_422_without_a_login(client, path, parameter):
    response = client.post(path, data=b"{}") if path.startswith("/webhooks") else client.get(path)
    assert _status(response) == (422, "application/problem+json")
    assert response.get_json()["errors"] == {parameter: [TEXT_RULE]}


def test_a_signed_oa_event_with_nul_and_a_lone_surrogate_is_stored_and_processed(app, client, zalo):
    user = zalo.create_user("Lê Văn Cường")
    event = build_event(zalo, "text", user, text="giá\x00 bao nhiêu\ud800?", msg_id="nul\x00id")
    raw = json.dumps(event, separators=(",", ":")).encode()  # ASCII escapes, as any JSON encoder may send
    assert post_event(client, zalo, event, raw=raw)[0] == 200
    run_worker(app)
    row = one(app, WebhookEvent)
    assert (row.status, row.raw_body) == ("done", raw.decode())
    assert row.dedupe_key == "user_send_text:nul\ufffdid"
    assert [m.text for m in (one(app, Message),)] == ["giá\ufffd bao nhiêu\ufffd?"]
    assert post_event(client, zalo, event, raw=raw)[0] == 200  # Zalo's resend: accepted, dropped by its key
    run_worker(app)
    assert (count(app, WebhookEvent), count(app, Message)) == (1, 1)


def test_signed_oa_events_of_any_json_shape_are_stored(app, client, zalo):
    user = zalo.create_user("Lê Văn Cường")
    event = build_event(zalo, "follow", user) | {"follower": ["not", "an", "object"]}
    assert post_event(client, zalo, event)[0] == 200
    event = build_event(zalo, "text", user, text="hi") | {"sender": {"id": "9" * 100}, "message": [1]}
    assert post_event(client, zalo, event)[0] == 200
    assert move(app) == 2 and count(app, WebhookEvent) == 2


# Item 5: cursors and dates at the edges, reachable by viewers and customers:read keys.

def _cursor(at, id_) -> str:
    return base64.urlsafe_b64encode(json.dumps([at, id_]).encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    _cursor("2026-11-01T00:00:00+00:00", 10**30), _cursor("2026-11-01T00:00:00+00:00", 2**63),
    _cursor("2026-11-01T00:00:00+00:00", 2**40), _cursor("2026-11-01T00:00:00+00:00", True),
    _cursor("0001-01-01T00:00:00+14:00", 1), _cursor("9999-12-31T23:59:59-14:00", 1),
    _cursor("2026-11-01T00:00:00+00:00", -1)], ids=["1e30", "2^63", "2^40", "true", "year 1", "year 9999", "neg"])
def test_odd_conversation_cursors_are_a_422(app, client, cursor):
    viewer = staff_headers(app, client, VIEWER)
    response = client.get(BASE, query_string={"cursor": cursor}, headers=viewer)
    assert _status(response) == (422, "application/problem+json")
    assert list(response.get_json()["errors"]) == ["cursor"]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1999-12-31T23:59:59Z"])
@pytest.mark.parametrize("name", ["last_interaction_after", "last_interaction_before"])
def test_far_dates_in_customer_filters_are_a_422(app, client, when, name):
    viewer = staff_headers(app, client, VIEWER)
    response = client.get("/api/v1/admin/customers", query_string={name: when}, headers=viewer)
    assert _status(response) == (422, "application/problem+json")
    assert list(response.get_json()["errors"]) == [name]


def test_times_inside_the_range_still_filter(app, client):
    viewer = staff_headers(app, client, VIEWER)
    response = client.get("/api/v1/admin/customers", headers=viewer,
                          query_string={"last_interaction_after": "2000-01-01T07:00:00+07:00"})
    assert response.status_code == 200


# Item 6: a bad segment is refused before anything is written; one stored earlier no longer poisons the list.

def test_a_segment_with_a_far_date_is_refused_and_writes_nothing(app, client):
    owner = staff_headers(app, client, OWNER)
    response = client.post("/api/v1/admin/segments", headers=owner, json={
        "name": "cũ", "filter": {"last_interaction_after": "0001-01-01T00:00:00+14:00"}})
    assert _status(response) == (422, "application/problem+json")
    assert response.get_json()["errors"] == {"filter": {"last_interaction_after": [
        "Must be an ISO-8601 time with a UTC offset between 2000-01-01 and 2100-01-01 (UTC)."]}}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Segment)) == 0
    listing = client.get("/api/v1/admin/segments", headers=owner)
    assert (listing.status_code, listing.get_json()) == (200, [])


def test_a_segment_saved_before_the_rule_does_not_poison_the_list(app, client):
    owner = staff_headers(app, client, OWNER)
    assert client.post("/api/v1/admin/segments", headers=owner,
                       json={"name": "vip", "filter": {"tags": ["vip"]}}).status_code == 201
    with app.app_context():
        owner_id = db.session.scalar(sa.select(StaffUser.id))
        db.session.add(Segment(name="cũ", created_by_id=owner_id, filter={
            "tags": ["vip"], "last_interaction_after": "0001-01-01T00:00:00+14:00"}))
        db.session.commit()
        old_id = db.session.scalar(sa.select(Segment.id).where(Segment.name == "cũ"))
    listing = client.get("/api/v1/admin/segments", headers=owner)
    assert listing.status_code == 200
    assert [(s["name"], s["count"], s["filter"]) for s in listing.get_json()] == [
        ("cũ", None, {"tags": ["vip"]}), ("vip", 0, {"tags": ["vip"]})]
    detail = client.get(f"/api/v1/admin/segments/{old_id}", headers=owner)
    assert _status(detail) == (409, "application/problem+json")
    assert client.delete(f"/api/v1/admin/segments/{old_id}", headers=owner).status_code == 204


def test_every_schema_takes_the_shared_text_rule():
    """New schemas cannot forget the rule: each one in miniapp_api derives from schemas.base.Schema."""
    import importlib
    import pkgutil

    import marshmallow as ma

    import miniapp_api
    from miniapp_api.schemas.base import Schema

    for module in pkgutil.walk_packages(miniapp_api.__path__, "miniapp_api."):
        importlib.import_module(module.name)
    found, pending = [], list(ma.Schema.__subclasses__())
    while pending:
        schema = pending.pop()
        pending.extend(schema.__subclasses__())
        if schema.__module__.startswith("miniapp_api.") and schema is not Schema:
            found.append(schema)
    assert len(found) > 40
    assert [s.__qualname__ for s in found if not issubclass(s, Schema)] == []
