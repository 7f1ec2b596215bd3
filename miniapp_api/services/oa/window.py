"""The customer's messaging window: what we can tell locally, and what Zalo says when that is not enough.

Zalo allows consultation messages for a while after the customer's last
interaction: free replies within 48 h (8 of them by the API pages and the help
centre; unlimited since 2026-01-01 by the 2026 pricing page), then billed or
taken from the OA's package quota up to 7 days, then refused (`-230`), and
`-232` for a user who never interacted. Whether a follow alone opens the window
is documented nowhere, so a follow is not counted here.

Locally we only know the interactions the webhook brought. When that is not
enough to decide (no interaction, a follow only, within an hour of the 48 h or
7 day boundary, or as many replies sent since the customer's last message as
the free count, so Zalo's remaining figure matters), the worker asks Zalo's
`POST /v3.0/oa/quota/message` (`last_interaction`, `cs_reply.remain/total`) and
keeps the answer in `oa_user_quota` for `OA_QUOTA_CACHE_SECONDS`, never across a
newer interaction: web and worker processes share it. docs/oa.md, "Messaging
window and quota", has the sources.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import Conversation, Message, OaContact
from ...models.conversation import OUTBOUND
from ...models.oa_quota import OaUserQuota
from .upsert import ensure_row

FREE_WINDOW = dt.timedelta(hours=48)
PAID_WINDOW = dt.timedelta(days=7)
NEAR_BOUNDARY = dt.timedelta(hours=1)
FREE_REPLIES = 8  # per 48 h, reset by each customer message (API pages, help centre)
FREE, PAID, CLOSED = "free", "paid", "closed"
WINDOW_CLOSED, NO_INTERACTION = "window_closed", "no_interaction"


def window_state(last_interaction_at: dt.datetime | None, now: dt.datetime) -> str:
    """free (≤ 48 h), paid (48 h – 7 days) or closed (> 7 days, or no interaction at all)."""
    if last_interaction_at is None:
        return CLOSED
    age = now - last_interaction_at
    if age <= FREE_WINDOW:
        return FREE
    return PAID if age <= PAID_WINDOW else CLOSED


@dataclasses.dataclass(frozen=True)
class Window:
    """One customer's window as best known: `source` is `zalo` (its quota answer) or `local` (our webhooks)."""

    state: str
    last_interaction_at: dt.datetime | None
    source: str
    uncertain: bool = False
    cs_remain: int | None = None
    cs_total: int | None = None
    checked_at: dt.datetime | None = None

    @property
    def code(self) -> str | None:
        """Why it is closed: `no_interaction` (never) or `window_closed` (more than 7 days ago)."""
        if self.state != CLOSED:
            return None
        return NO_INTERACTION if self.last_interaction_at is None else WINDOW_CLOSED

    @property
    def changes_at(self) -> dt.datetime | None:
        """When the state moves on by itself: free → paid at 48 h, paid → closed at 7 days."""
        if self.last_interaction_at is None or self.state == CLOSED:
            return None
        if self.state == FREE:
            return self.last_interaction_at + FREE_WINDOW
        return self.last_interaction_at + PAID_WINDOW

    def public(self) -> dict:
        stamp = (lambda value: value.isoformat() if value else None)
        return {"state": self.state, "reason": self.code, "changes_at": stamp(self.changes_at),
                "last_interaction_at": stamp(self.last_interaction_at), "free_replies_left": self.cs_remain,
                "free_replies_total": self.cs_total, "source": self.source, "checked_at": stamp(self.checked_at)}


def from_zalo(last: dt.datetime | None, remain: int | None, now: dt.datetime) -> str:
    """Zalo's answer read with the documented rules: free replies left decide free vs paid inside 48 h."""
    state = window_state(last, now)
    if state == FREE and remain is not None and remain <= 0:
        return PAID
    return state


def follow_only(contact: OaContact | None) -> bool:
    """The only interaction we saw is the follow itself (or none): Zalo may not count it."""
    if contact is None or contact.last_interaction_at is None:
        return True
    return contact.followed_at is not None and contact.last_interaction_at <= contact.followed_at


def _fresh(cache: OaUserQuota | None, contact: OaContact | None, now: dt.datetime, ttl: int) -> bool:
    if cache is None or cache.checked_at + dt.timedelta(seconds=ttl) <= now:
        return False
    return contact is None or contact.last_interaction_at is None or cache.checked_at >= contact.last_interaction_at


def assess(session: Session, oa_user_id: str, contact: OaContact | None, now: dt.datetime, ttl: int) -> Window:
    """The window from a fresh Zalo answer if there is one, else from our webhooks (`uncertain` if that is not enough)."""
    cache = session.scalar(sa.select(OaUserQuota).where(OaUserQuota.oa_user_id == oa_user_id))
    if _fresh(cache, contact, now, ttl):
        return Window(from_zalo(cache.last_interaction_at, cache.cs_remain, now), cache.last_interaction_at, "zalo",
                      cs_remain=cache.cs_remain, cs_total=cache.cs_total, checked_at=cache.checked_at)
    last = None if follow_only(contact) else contact.last_interaction_at
    state = window_state(last, now)
    near = last is not None and any(abs((now - last) - edge) < NEAR_BOUNDARY for edge in (FREE_WINDOW, PAID_WINDOW))
    exhausted = state == FREE and replies_since(session, contact, last) >= FREE_REPLIES
    uncertain = last is None or near or exhausted
    return Window(state, last, "local", uncertain=uncertain)


def replies_since(session: Session, contact: OaContact, since: dt.datetime) -> int:
    """OA messages Zalo accepted for this contact since `since` (ours and those typed in Zalo's console)."""
    return session.scalar(sa.select(sa.func.count()).select_from(Message)
                          .join(Conversation, Conversation.id == Message.conversation_id)
                          .where(Conversation.contact_id == contact.id, Message.direction == OUTBOUND,
                                 Message.zalo_msg_id.is_not(None), Message.sent_at >= since)) or 0


def _int(value) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _from_ms(value) -> dt.datetime | None:
    """Zalo's `last_interaction` (ms as a string); empty, zero or unreadable means no interaction."""
    ms = _int(value)
    if not ms or ms <= 0:
        return None
    try:
        return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def record_answer(session: Session, oa_user_id: str, data: dict) -> None:
    """Keep Zalo's quota answer for this user (in the caller's transaction)."""
    cs_reply = data.get("cs_reply") if isinstance(data.get("cs_reply"), dict) else {}
    now = clock.now()
    row = ensure_row(session, OaUserQuota, "oa_user_id", oa_user_id, checked_at=now)
    row.last_interaction_at = _from_ms(data.get("last_interaction"))
    row.cs_remain, row.cs_total = _int(cs_reply.get("remain")), _int(cs_reply.get("total"))
    row.checked_at = now


def record_send_quota(session: Session, oa_user_id: str, quota) -> bool:
    """Fold the `quota` of an accepted send into the cache; True when it was not the free reply quota."""
    if not isinstance(quota, dict):
        return False
    if quota.get("quota_type") != "reply":
        return quota.get("quota_type") is not None
    remain = _int(quota.get("remain"))
    if remain is not None:
        session.execute(sa.update(OaUserQuota).where(OaUserQuota.oa_user_id == oa_user_id)
                        .values(cs_remain=remain, cs_total=_int(quota.get("total")))
                        .execution_options(synchronize_session=False))
    return False


def current(session: Session, client, oa_user_id: str, contact: OaContact | None, ttl: int) -> Window:
    """The window as staff should see it: Zalo's answer (asked outside any transaction unless a fresh one is kept).

    Commits the caller's session. If Zalo cannot be asked, our own view is returned (`source` local).
    """
    known = assess(session, oa_user_id, contact, clock.now(), ttl)
    session.commit()
    if known.source == "zalo":
        return known
    try:
        answer = client.message_quota(oa_user_id)
    except Exception:  # noqa: BLE001 - staff still get our own view, marked uncertain
        return known
    record_answer(session, oa_user_id, answer)
    session.commit()
    return assess(session, oa_user_id, contact, clock.now(), ttl)
