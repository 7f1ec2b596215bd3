"""Steps the OA tests repeat: sign and post an event, run the worker's OA jobs, read the conversation."""
from __future__ import annotations

import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.ingest_store import ingest_engine
from miniapp_api.models import Conversation, Message, OaContact, WebhookEvent, WebhookIngest
from miniapp_api.services.oa.webhook_inbox import move_ingested, process_due
from miniapp_api.services.oa.delivery import send_due
from sandbox.zalo.simulator import build_event, encode, sign


def post_event(client, zalo, payload: dict, *, secret: str | None = None, raw: bytes | None = None):
    """POST an event as Zalo does (compact UTF-8 JSON, `X-ZEvent-Signature`); returns (status, json)."""
    body = raw if raw is not None else encode(payload)
    response = client.post("/webhooks/zalo", data=body, content_type="application/json",
                           headers={"X-ZEvent-Signature": sign(zalo, encode(payload) if raw is None else body, payload,
                                                               secret)})
    try:
        return response.status_code, response.get_json()
    finally:
        response.close()


def customer_says(client, zalo, user, action="text", **kwargs):
    """Build, deliver (as the simulator would) and return the event."""
    from sandbox.zalo.simulator import note_interaction

    payload = build_event(zalo, action, user, **kwargs)
    note_interaction(zalo, payload)
    status, _ = post_event(client, zalo, payload)
    assert status == 200
    return payload


def run_worker(app, rounds: int = 3) -> None:
    """What the worker's OA jobs do in a few ticks: apply the inbox, make the queued calls."""
    with app.app_context():
        for _ in range(rounds):
            process_due(app, "test-worker")
            send_due(app, "test-worker")
        db.session.remove()


def ingested(app) -> list:
    """Events the webhook accepted that the worker has not moved yet (rows of the ingest store)."""
    with app.app_context(), ingest_engine(app).connect() as connection:
        return connection.execute(sa.select(WebhookIngest).order_by(WebhookIngest.id)).all()


def move(app) -> int:
    """The worker's first step: accepted events into `webhook_event`."""
    with app.app_context():
        try:
            return move_ingested(app, db.session)
        finally:
            db.session.remove()


def messages(app) -> list[Message]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Message).order_by(Message.id)).all()
        db.session.expunge_all()
        return rows


def one(app, model, *where):
    with app.app_context():
        row = db.session.scalar(sa.select(model).where(*where))
        db.session.expunge_all()
        return row


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


__all__ = ["Conversation", "OaContact", "WebhookEvent", "count", "customer_says", "ingested", "messages", "move",
           "one", "post_event", "run_worker"]


def zalo_window(zalo, **switches) -> dict:
    """Flip the emulator's window and quota switches through its control API (sandbox/zalo/window.py)."""
    import requests

    response = requests.post(f"{zalo.url}/_sandbox/oa/window", json=switches, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def customer_in_window(client, app, zalo):
    """A customer who just wrote to the OA (the messaging window is open), with the emulator's outbox emptied."""
    user = zalo.create_user("Ngô Thảo")
    customer_says(client, zalo, user, "text", text="alo")
    run_worker(app)
    zalo.sent_messages.clear()
    return user
