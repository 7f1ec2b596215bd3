"""The webhook inbox: store each distinct Zalo event once, process it in the worker.

Accepting is one `INSERT … ON CONFLICT DO NOTHING` into the ingest store
(`webhook_ingest`, its own SQLite file by default: see `ingest_store`), so the
answer to Zalo never waits for another writer. The worker then moves accepted
events into `webhook_event` with the same statement on its unique dedupe key,
and only then deletes them from the ingest store: a crash in between moves
them again and the key drops the copy, so an event is neither lost nor
doubled, and Zalo's resends (for hours) add nothing. Processing claims
`webhook_event` rows through the shared queue (`miniapp_api.queue`), handles
each in one transaction (settling the row first, so an event cancelled meanwhile by an
erasure is not applied), retries failures with backoff and parks them as dead
after the last attempt with the error kept; unknown events are marked ignored.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging

from flask import Flask
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ... import queue
from ...queue import wakeup

from ... import clock
from ...extensions import db
from ...ingest_store import ingest_engine, shares_main_database
from ...models import WebhookEvent, WebhookIngest
from ...schemas.base import storable_copy
from .events import UnknownEvent, handle_event

log = logging.getLogger(__name__)
# Processing failures are ours (a bug, a database hiccup): retry soon, then less often.
INBOX_SCHEDULE = (2, 10, 60, 300, 1800, 7200)
# Events moved from the ingest store per transaction: a few milliseconds of either database's writer slot.
MOVE_BATCH = 200
USER_ID_LENGTH = WebhookEvent.user_id.type.length
REFERRING_EVENTS = ("user_reacted_message", "oa_reacted_message", "user_feedback")


def _part(payload: dict, key: str) -> dict:
    """A member object of the event (`sender`, `message`, …); {} when absent or not an object."""
    value = payload.get(key)
    return value if isinstance(value, dict) else {}


def event_user_id(payload: dict) -> str | None:
    """The OA-scoped id of the customer the event is about, whichever role they play (None if not an id)."""
    name = str(payload.get("event_name") or "")
    if isinstance(payload.get("message"), dict) and payload["message"].get("tracking_id"):
        return None  # a ZNS receipt: its recipient is a phone number, not a Zalo id
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
    its receipt carry the same `msg_id` but are different events. Reactions and
    feedback carry the `msg_id` of the message they are about, which several of
    them share: their key adds the icon and the timestamp (a resend repeats both).
    """
    name = str(payload.get("event_name") or "")
    message = _part(payload, "message")
    if message.get("msg_id") and name in REFERRING_EVENTS:  # the id names another message: one of several
        detail = "|".join(str(x) for x in (message.get("react_icon"), payload.get("timestamp")))
        return f"{name[:64]}:{str(message['msg_id'])[:64]}:" + hashlib.sha256(detail.encode()).hexdigest()[:24]
    if message.get("msg_id"):
        return f"{name}:{message['msg_id']}"[:160]
    msg_ids = message.get("msg_ids")
    parts = [name, str(_part(payload, "sender").get("id") or ""), str(_part(payload, "recipient").get("id") or ""),
             str(_part(payload, "follower").get("id") or ""), str(payload.get("user_id_by_app") or ""),
             ",".join(map(str, msg_ids if isinstance(msg_ids, list) else [])), str(payload.get("timestamp") or "")]
    return f"{name[:64]}:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


def _insert_new(bind, model, rows: list[dict]):
    """`INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING id` on either database."""
    dialect = postgresql if bind.dialect.name == "postgresql" else sqlite
    return (dialect.insert(model).values(rows).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(model.id))


@functools.cache
def _accept_one(table: sa.Table, names: tuple[str, ...]) -> sa.TextClause:
    """`_insert_new` of one row as SQL text, the same on both databases, compiled once per process.

    SQLAlchemy does not cache the dialects' `INSERT … ON CONFLICT` constructs
    (it compiles them again for every execution), and this one runs for every
    event Zalo sends. The columns' types still convert the values.
    """
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)}) "
           "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id")
    return sa.text(sql).bindparams(*(sa.bindparam(n, type_=table.c[n].type) for n in names)).columns(
        table.c.id)


def store_event(engine: sa.Engine, raw_body: bytes, payload: dict) -> bool:
    """Accept the event into the ingest store unless it is waiting there already; True when it is new.

    One statement, committed on its own: the webhook's only write (and, when
    it is new, the worker's wake-up, sent once it has committed). On
    PostgreSQL it runs in autocommit: a single INSERT is atomic by itself,
    and BEGIN and COMMIT would be two more round trips for every event Zalo
    sends. SQLite keeps its explicit transaction, which is what queues it for
    the file's writer in this process (`extensions._sqlite_writers`).
    `raw_body` is kept as Zalo signed it: valid JSON is UTF-8 text with no raw
    NUL, so both databases store it. The columns derived from the payload
    (and, in `process_one`, everything the event writes) use `storable_copy`.
    """
    payload = storable_copy(payload)
    row = dict(dedupe_key=dedupe_key(payload), event_name=str(payload.get("event_name") or "")[:64],
               user_id=(str(event_user_id(payload) or "") or None), raw_body=raw_body.decode("utf-8"),
               received_at=clock.now())
    statement = _accept_one(WebhookIngest.__table__, tuple(row))
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            new = connection.execute(statement, row).scalar() is not None
    else:
        with engine.begin() as connection:
            new = connection.execute(statement, row).scalar() is not None
    if new:
        wakeup.announce(wakeup.OA_INBOX)  # the worker moves and applies it now, not at its poll
    return new


def move_ingested(app: Flask, session: Session, limit: int = MOVE_BATCH) -> int:
    """Move up to `limit` accepted events into `webhook_event`; returns how many left the ingest store.

    Three short transactions, never two at once (each database's writer slot
    is held only for its own step): read a batch, insert it into the inbox
    where its dedupe key is new and commit, delete the batch from the ingest
    store. Repeating any step after a crash changes nothing.
    """
    ingest = ingest_engine(app)
    columns = [WebhookIngest.id, WebhookIngest.dedupe_key, WebhookIngest.event_name, WebhookIngest.user_id,
               WebhookIngest.raw_body, WebhookIngest.received_at]
    with ingest.begin() as connection:
        batch = connection.execute(sa.select(*columns).order_by(WebhookIngest.id).limit(limit)).all()
    if not batch:
        return 0
    rows = [dict(dedupe_key=r.dedupe_key, event_name=r.event_name, user_id=r.user_id, raw_body=r.raw_body,
                 received_at=r.received_at, available_at=r.received_at, status="pending", attempts=0) for r in batch]
    session.execute(_insert_new(session.get_bind(), WebhookEvent, rows))
    session.commit()
    forget_ingested(ingest, [r.id for r in batch])
    return len(batch)


def forget_ingested(ingest: sa.Engine, ids: list[int]) -> None:
    """Delete moved events from the ingest store (their copies in `webhook_event` are committed)."""
    with ingest.begin() as connection:
        connection.execute(sa.delete(WebhookIngest).where(WebhookIngest.id.in_(ids)))


def drop_ingested_for(session: Session, user_ids: set[str]) -> None:
    """Erasure: events about these customers still waiting in the ingest store are deleted, never moved.

    In the caller's transaction when the store is the main database; otherwise
    in a short transaction of its own, before the caller's commits.
    """
    statement = sa.delete(WebhookIngest).where(WebhookIngest.user_id.in_(list(user_ids)))
    if shares_main_database():
        session.execute(statement)
        return
    with ingest_engine().begin() as connection:
        connection.execute(statement)


def process_due(app: Flask, owner: str, limit: int = 50) -> int:
    """Move what the webhook accepted, then claim due inbox rows and process each in its own transaction.

    Returns how many were claimed.
    """
    move_ingested(app, db.session)
    return queue.run_claimed(db.session, WebhookEvent, lambda row_id: process_one(app, db.session, row_id, owner),
                             owner=owner, limit=limit)


def process_one(app: Flask, session: Session, row_id: int, owner: str) -> None:
    row = session.get(WebhookEvent, row_id)
    if not queue.still_held(row, owner):  # cancelled since the claim (an erasure)
        session.commit()
        return
    payload = storable_copy(json.loads(row.raw_body))
    received_at, attempts = row.received_at, row.attempts
    try:
        if not queue.complete(session, WebhookEvent, row_id, owner):  # settled first: locks the row
            session.rollback()
            return
        handle_event(app, session, payload, received_at)
        session.commit()
    except UnknownEvent as exc:
        session.rollback()
        queue.ignore(session, WebhookEvent, row_id, owner, str(exc))
        session.commit()
    except Exception as exc:  # any failure: keep the event, retry later, dead after the last attempt
        session.rollback()
        log.exception("inbox event %s failed (attempt %d)", row_id, attempts)
        status = queue.fail(session, WebhookEvent, row_id, owner, f"{type(exc).__name__}: {exc}",
                            attempts=attempts, schedule=INBOX_SCHEDULE)
        session.commit()
        if status == "dead":
            log.error("inbox event %s is dead after %d attempts", row_id, attempts)
