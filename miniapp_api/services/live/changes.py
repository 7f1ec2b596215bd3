"""The console change feed: written beside every inbox write, read by cursor.

`install()` adds a row to `console_change` in the same flush as every new
message or note, every delivery state a message moves to, and every change to a
conversation (assignment, status, waiting for a human) or its timeline. So a
write the console should show can never commit without its change row, and a
rolled-back write leaves none.

Reading (`read`) answers at once with what is there: consoles poll about once a
second (docs/console/live.md says why not SSE or long-polling). Polls with the same
cursor in the same quarter second, while the newest change is the same, share one
answer per process (keyed on the injected clock, so tests move it). Row ids come
from one sequence, but on PostgreSQL two transactions may commit in the
opposite order to the ids they took: a reader that saw id 11 may later find id
10 committed. So every read also returns the rows of the last
`LATE_COMMIT_SECONDS` at or below the cursor again, and the console drops ids it
has already seen; a transaction open longer than that is not shown live (the
next reload shows it).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from ... import clock
from ...models import ConsoleChange, Conversation, ConversationEvent, Message, StaffUser
from ...models.console_change import CONVERSATION, MESSAGE, MESSAGE_STATUS, NOTE
from ...models.conversation import ASSIGNED, CLOSED_EVENT, UNASSIGNED
from ..staff.visibility import agent_conversations

LATE_COMMIT_SECONDS = 10
PAGE = 500
# Consoles polling with the same cursor within the same quarter second, while the newest change is the same, get
# the same answer: one rows statement per process serves them all (an open console is 1 poll a second).
SHARE_SECONDS = 0.25
SHARED_KEPT = 256


def _changes_in(session: Session) -> dict[tuple[str, int], dict]:
    """{(kind, conversation id): {previous_assignee_id, from_queue}} for what this flush writes (pre-flush state,
    ids assigned). `from_queue`: the conversation left the unassigned queue, which every agent may read."""
    found: dict[tuple[str, int], dict] = {}

    def add(kind: str, conversation_id: int | None, previous: int | None = None, from_queue: bool = False) -> None:
        if conversation_id is not None:
            row = found.setdefault((kind, conversation_id), {"previous_assignee_id": None, "from_queue": False})
            row["previous_assignee_id"] = row["previous_assignee_id"] or previous
            row["from_queue"] = row["from_queue"] or from_queue

    for obj in session.new:
        if isinstance(obj, Message):
            add(NOTE if obj.internal else MESSAGE, obj.conversation_id)
        elif isinstance(obj, ConversationEvent):
            previous = obj.staff_id if obj.kind == UNASSIGNED else \
                (obj.detail or {}).get("previous") if obj.kind == ASSIGNED else None
            add(CONVERSATION, obj.conversation_id, previous,
                from_queue=obj.kind in (ASSIGNED, CLOSED_EVENT) and previous is None)
        elif isinstance(obj, Conversation):
            add(CONVERSATION, obj.id)
    for obj in session.dirty:
        if isinstance(obj, Message):
            state = sa.inspect(obj).attrs
            if state.delivery_state.history.has_changes() or state.failure_reason.history.has_changes():
                add(MESSAGE_STATUS, obj.conversation_id)
        elif isinstance(obj, Conversation) and session.is_modified(obj, include_collections=False):
            held = sa.inspect(obj).attrs.assignee_id.history
            add(CONVERSATION, obj.id, held.deleted[0] if held.deleted else None)
    return found


def _after_flush(session: Session, _context) -> None:
    found = _changes_in(session)
    if found:
        now = clock.now()
        session.connection().execute(sa.insert(ConsoleChange.__table__), [
            {"at": now, "kind": kind, "conversation_id": conversation_id, **row}
            for (kind, conversation_id), row in found.items()])


def install() -> None:
    """Record changes on every session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def read(session: Session, after: int | None, agent_id: int | None = None, limit: int = PAGE,
         shared: dict | None = None) -> dict:
    """{"changes": [...], "cursor": id, "reset": bool} for a console that has seen up to `after`.

    No `after`: nothing yet, and the cursor to start from. An `after` older than the oldest row kept (pruned
    away while the console slept) or newer than any row (another database): `reset`, the console reloads what
    it shows. `agent_id`: only changes of conversations that agent may read, or that were taken from them
    (then with `held_by`, who holds it now). `shared`: the app's dict of recent answers (`answers()`).
    """
    oldest, newest = session.execute(sa.select(sa.func.min(ConsoleChange.id), sa.func.max(ConsoleChange.id))).one()
    newest = newest or 0
    if after is None:
        return {"changes": [], "cursor": newest, "reset": False}
    if after > newest or (oldest is not None and after < oldest - 1):
        return {"changes": [], "cursor": newest, "reset": True}
    now = clock.now()
    if shared is None:
        return _rows(session, after, agent_id, limit, newest, now)
    key = (after, agent_id, limit, oldest, newest, int(now.timestamp() / SHARE_SECONDS))
    answer = shared.get(key)
    if answer is None:
        answer = _rows(session, after, agent_id, limit, newest, now)
        if len(shared) >= SHARED_KEPT:
            shared.clear()
        shared[key] = answer
    return answer


def answers(app) -> dict:
    """The app's recent answers, shared by its threads (one dict per app: never another database's)."""
    return app.extensions.setdefault("console_feed_answers", {})


def _rows(session: Session, after: int, agent_id: int | None, limit: int, newest: int, now: dt.datetime) -> dict:
    recent = now - dt.timedelta(seconds=LATE_COMMIT_SECONDS)
    # One statement for the new rows and those of the last seconds again (late commits). New rows come first,
    # so recent ones can never fill the page and hold the cursor back; a console behind by more than a page
    # gets the rest next time.
    wanted = sa.or_(ConsoleChange.id > after, ConsoleChange.at >= recent)
    newer_first = sa.case((ConsoleChange.id > after, 0), else_=1)
    rows = session.execute(_visible(wanted, agent_id).order_by(newer_first, ConsoleChange.id).limit(2 * limit)).all()
    fresh = [row for row in rows if row.ConsoleChange.id > after]
    cursor = fresh[limit - 1].ConsoleChange.id if len(fresh) > limit else newest
    shown = sorted([*fresh[:limit], *(row for row in rows if row.ConsoleChange.id <= after)],
                   key=lambda row: row.ConsoleChange.id)
    return {"changes": [_change(row, agent_id) for row in shown], "cursor": max(cursor, after), "reset": False}


def _change(row: sa.Row, agent_id: int | None) -> dict:
    change = row.ConsoleChange
    found = {"id": change.id, "kind": change.kind, "conversation_id": change.conversation_id, "at": change.at}
    if agent_id is not None and row.holder_id not in (None, agent_id):
        found["held_by"] = {"id": row.holder_id, "name": row.holder_name}
    return found


def _visible(where: sa.ColumnElement[bool], agent_id: int | None) -> sa.Select:
    """The changes matching `where` that the reader hears of. An agent: only those of conversations they may
    read now, that were taken from them, or that left the unassigned queue (which they could read a moment
    ago: their console must drop it), with who holds such a conversation now (`_change` adds `held_by`), so
    the console can say "Chị Lan đang xử lý" rather than "not found"."""
    if agent_id is None:
        return sa.select(ConsoleChange).where(where)
    return (sa.select(ConsoleChange, StaffUser.id.label("holder_id"), StaffUser.name.label("holder_name"))
            .join(Conversation, Conversation.id == ConsoleChange.conversation_id)
            .outerjoin(StaffUser, StaffUser.id == Conversation.assignee_id)
            .where(where, sa.or_(agent_conversations(agent_id), ConsoleChange.previous_assignee_id == agent_id,
                                 ConsoleChange.from_queue.is_(True))))


def prune(session: Session, keep: dt.timedelta) -> int:
    """Delete changes older than `keep`; returns how many."""
    return session.execute(sa.delete(ConsoleChange).where(ConsoleChange.at < clock.now() - keep)).rowcount
