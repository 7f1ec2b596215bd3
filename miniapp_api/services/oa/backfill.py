"""When the OA is connected: import its tags and its recent conversations, through the OA queue.

Connecting (`queue_on_connect`, in the transaction that records the
connection) queues two `oa_outbound` rows: `import_tags` (Zalo's
`/v2.0/oa/tag/gettagsofoa`: each OA tag becomes a local tag) and the first page
of `backfill_chats` (`/v2.0/oa/listrecentchat`). The worker makes each call
like any other OA call (claimed, no transaction open during the call, retried
with backoff, dead letter, replay) and `store` writes what came back, queueing
the next step in the same transaction:

- a `backfill_chats` page schedules one `backfill_user` row per new user it
  names (up to `OA_BACKFILL_CONVERSATIONS`) and the next page;
- a `backfill_user` page (`/v2.0/oa/conversation`, newest first) stores its
  messages and schedules the next page, up to `OA_BACKFILL_MESSAGES`.

Rate: the rows one step creates are spread `OA_BACKFILL_INTERVAL_SECONDS`
apart. Dedupe: a message is stored under Zalo's id (`message.zalo_msg_id`,
unique), which the webhook uses too (`msg_id` there, `message_id` in these
listings): whichever comes first stores it and the other finds it; two
writers at the same instant meet the unique key, and the loser (the webhook
event, or this row inside a savepoint) finds the winner's row on its retry.
Every row of one connection shares a run id in its `dedupe_key`, so a user
named on two pages is fetched once per connection, and connecting again
imports again what is new.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ... import clock
from ...models import OaOutbound
from ...models.conversation import INBOUND, OUTBOUND
from ...zalo import oa_media
from .conversations import add_message, current_conversation, message_by_zalo_id
from .events import upsert_contact
from .history_events import TAG_NAME_LENGTH, ensure_tag

IMPORT_TAGS, BACKFILL_CHATS, BACKFILL_USER = "import_tags", "backfill_chats", "backfill_user"
KINDS = (IMPORT_TAGS, BACKFILL_CHATS, BACKFILL_USER)
PAGE = 10  # Zalo's maximum `count` for both listings
# Zalo's listing types (reference §2) → our message types (those of the webhook's user_send_*).
LISTED_TYPES = {"text": "text", "voice": "audio", "photo": "image", "GIF": "gif", "link": "link", "links": "link",
                "sticker": "sticker", "location": "location"}


def _row(kind: str, key: str, uid: str, payload: dict, at: dt.datetime) -> OaOutbound:
    return OaOutbound(kind=kind, oa_user_id=uid, payload=payload, reason="oa_connect", dedupe_key=key[:160],
                      created_at=clock.now(), available_at=at, status="pending", attempts=0)


def queue_on_connect(session: Session, run: str | None = None) -> str:
    """Queue the tag import and the backfill's first page in the caller's transaction; returns the run id."""
    run = run or str(int(clock.now().timestamp() * 1000))
    now = clock.now()
    session.add(_row(IMPORT_TAGS, f"backfill:{run}:tags", "", {"run": run}, now))
    session.add(_row(BACKFILL_CHATS, f"backfill:{run}:chats:0", "", {"run": run, "offset": 0, "users": 0}, now))
    session.flush()
    return run


def fetch(client, kind: str, uid: str, payload: dict) -> dict:
    """The Zalo call a backfill row stands for (HTTP: the caller holds no transaction)."""
    if kind == IMPORT_TAGS:
        return {"tags": oa_media.oa_tags(client)}
    if kind == BACKFILL_CHATS:
        return {"entries": oa_media.recent_chats(client, payload["offset"], PAGE)}
    return {"entries": client.conversation(uid, offset=payload["offset"], count=PAGE)}


def store(app: Flask, session: Session, row: OaOutbound, data: dict) -> None:
    """Write what Zalo answered and queue the next step, in the caller's transaction."""
    if row.kind == IMPORT_TAGS:
        for name in data["tags"]:
            if 0 < len(name.strip()) <= TAG_NAME_LENGTH:
                ensure_tag(session, name.strip())
        return
    entries, payload = data["entries"], dict(row.payload)
    step = dt.timedelta(seconds=app.config["OA_BACKFILL_INTERVAL_SECONDS"])
    at = clock.now()
    more = len(entries) == PAGE
    if row.kind == BACKFILL_CHATS:
        users = payload["users"]
        for uid in dict.fromkeys(_user_of(entry, app) for entry in entries):
            if not uid or users >= app.config["OA_BACKFILL_CONVERSATIONS"]:
                continue
            key = f"backfill:{payload['run']}:user:{uid}:0"
            if session.scalar(sa.select(OaOutbound.id).where(OaOutbound.dedupe_key == key)) is None:
                session.add(_row(BACKFILL_USER, key, uid, {"run": payload["run"], "offset": 0}, at))
                users, at = users + 1, at + step
        if more and users < app.config["OA_BACKFILL_CONVERSATIONS"]:
            offset = payload["offset"] + PAGE
            session.add(_row(BACKFILL_CHATS, f"backfill:{payload['run']}:chats:{offset}", "",
                             {**payload, "offset": offset, "users": users}, at))
        return
    for entry in reversed(entries):  # oldest first, as they happened
        _store_entry(app, session, row.oa_user_id, entry)
    offset = payload["offset"] + PAGE
    if more and offset < app.config["OA_BACKFILL_MESSAGES"]:
        session.add(_row(BACKFILL_USER, f"backfill:{payload['run']}:user:{row.oa_user_id}:{offset}",
                         row.oa_user_id, {**payload, "offset": offset}, at + step))


def _user_of(entry: dict, app: Flask) -> str:
    """The user's side of a listed message (`src` 1: user → OA, else OA → user)."""
    side = entry.get("from_id") if str(entry.get("src")) == "1" else entry.get("to_id")
    uid = str(side or "")
    return "" if uid == str(app.config.get("ZALO_OA_ID") or "") or len(uid) > 64 else uid


def _time(entry: dict) -> dt.datetime:
    now = clock.now()
    try:
        return min(dt.datetime.fromtimestamp(int(entry["time"]) / 1000, dt.timezone.utc), now)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return now


def _attachments(entry: dict, kind: str) -> list:
    """The listing's media fields, named as the webhook names them where they overlap (`thumb` → `thumbnail`)."""
    names = {"url": "url", "thumb": "thumbnail", "links": "links", "location": "location",
             "description": "description"}
    payload = {names[k]: entry[k] for k in names if entry.get(k) not in (None, "", [])}
    return [{"type": kind, "payload": payload}] if payload else []


def _store_entry(app: Flask, session: Session, uid: str, entry: dict) -> None:
    msg_id = str(entry.get("message_id") or entry.get("msg_id") or "")
    if not msg_id or len(msg_id) > 64 or message_by_zalo_id(session, msg_id) is not None:
        return
    inbound, when = str(entry.get("src")) == "1", _time(entry)
    kind = LISTED_TYPES.get(str(entry.get("type")), str(entry.get("type") or "text")[:32])
    contact = upsert_contact(session, uid, None, source="oa_backfill")
    conversation = current_conversation(session, contact, reopen=False, at=when)
    if inbound:
        if contact.last_interaction_at is None or when > contact.last_interaction_at:
            contact.last_interaction_at = when
        if conversation.last_customer_message_at is None or when > conversation.last_customer_message_at:
            conversation.last_customer_message_at = when
    try:
        with session.begin_nested():
            add_message(session, conversation, direction=INBOUND if inbound else OUTBOUND,
                        author="customer" if inbound else "oa_console", type=kind,
                        text=str(entry.get("message") or "") or None, attachments=_attachments(entry, kind),
                        zalo_msg_id=msg_id, delivery_state=None if inbound else "sent", sent_at=when)
    except IntegrityError:
        pass  # the live webhook stored this very message an instant ago: kept once
