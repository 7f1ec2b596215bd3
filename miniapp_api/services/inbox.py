"""The webhook inbox: store each distinct Zalo event once, process it in the worker.

Storing is one `INSERT … ON CONFLICT DO NOTHING` on a unique dedupe key, so
Zalo's resends (for hours) answer 200 and add nothing. Processing claims rows
through the shared queue (`crm_sync.outbox`), handles each in one
transaction, retries failures with backoff and parks them as dead after the
last attempt with the error kept; unknown events are marked ignored.
"""
from __future__ import annotations

import hashlib
import json
import logging

from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm_sync import outbox

from .. import clock
from ..extensions import db
from ..models import WebhookEvent
from ..schemas.base import storable_copy
from .oa_events import UnknownEvent, handle_event

log = logging.getLogger(__name__)
# Processing failures are ours (a bug, a database hiccup): retry soon, then less often.
INBOX_SCHEDULE = (2, 10, 60, 300, 1800, 7200)
USER_ID_LENGTH = WebhookEvent.user_id.type.length


def _part(payload: dict, key: str) -> dict:
    """A member object of the event (`sender`, `message`, …); {} when absent or not an object."""
    value = payload.get(key)
    return value if isinstance(value, dict) else {}


def event_user_id(payload: dict) -> str | None:
    """The OA-scoped id of the customer the event is about, whichever role they play (None if not an id)."""
    name = str(payload.get("event_name") or "")
    if name in ("follow", "unfollow"):
        role = "follower"
    else:
        role = "recipient" if name.startswith("oa_") or name in ("user_received_message", "user_seen_message") \
            else "sender"
    value = _part(payload, role).get("id")
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not 0 < len(str(value)) <= USER_ID_LENGTH:
        return None
    return str(value)


def dedupe_key(payload: dict) -> str:
    """`event_name:msg_id` when the event carries a message id, else a hash of name, ids and timestamp.

    The event name is part of the key because the echo of an OA message and
    its receipt carry the same `msg_id` but are different events.
    """
    name = str(payload.get("event_name") or "")
    message = _part(payload, "message")
    if message.get("msg_id"):
        return f"{name}:{message['msg_id']}"[:160]
    msg_ids = message.get("msg_ids")
    parts = [name, str(_part(payload, "sender").get("id") or ""), str(_part(payload, "recipient").get("id") or ""),
             str(_part(payload, "follower").get("id") or ""), str(payload.get("user_id_by_app") or ""),
             ",".join(map(str, msg_ids if isinstance(msg_ids, list) else [])), str(payload.get("timestamp") or "")]
    return f"{name[:64]}:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


def store_event(session: Session, raw_body: bytes, payload: dict) -> bool:
    """Insert the event unless its key is already stored; True when it is new. Commits.

    `raw_body` is kept as Zalo signed it: valid JSON is UTF-8 text with no raw
    NUL, so both databases store it. The columns derived from the payload
    (and, in `process_one`, everything the event writes) use `storable_copy`.
    """
    payload = storable_copy(payload)
    now = clock.now()
    values = dict(dedupe_key=dedupe_key(payload), event_name=str(payload.get("event_name") or "")[:64],
                  user_id=(str(event_user_id(payload) or "") or None), raw_body=raw_body.decode("utf-8"),
                  received_at=now, available_at=now, status="pending", attempts=0)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(WebhookEvent).values(**values)
                 .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(WebhookEvent.id))
    inserted = session.execute(statement).scalar() is not None
    session.commit()
    return inserted


def process_due(app: Flask, owner: str, limit: int = 50) -> int:
    """Claim due inbox rows and process each in its own transaction; returns how many were claimed."""
    return outbox.run_claimed(db.session, WebhookEvent, lambda row_id: process_one(app, db.session, row_id, owner),
                              owner=owner, limit=limit)


def process_one(app: Flask, session: Session, row_id: int, owner: str) -> None:
    row = session.get(WebhookEvent, row_id)
    payload = storable_copy(json.loads(row.raw_body))
    received_at, attempts = row.received_at, row.attempts
    try:
        handle_event(app, session, payload, received_at)
        outbox.complete(session, WebhookEvent, row_id, owner)
        session.commit()
    except UnknownEvent as exc:
        session.rollback()
        outbox.ignore(session, WebhookEvent, row_id, owner, str(exc))
        session.commit()
    except Exception as exc:  # any failure: keep the event, retry later, dead after the last attempt
        session.rollback()
        log.exception("inbox event %s failed (attempt %d)", row_id, attempts)
        status = outbox.fail(session, WebhookEvent, row_id, owner, f"{type(exc).__name__}: {exc}",
                             attempts=attempts, schedule=INBOX_SCHEDULE)
        session.commit()
        if status == "dead":
            log.error("inbox event %s is dead after %d attempts", row_id, attempts)
