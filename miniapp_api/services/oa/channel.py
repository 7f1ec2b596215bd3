"""The OA channel as a whole: paused when Zalo says the account cannot send, resumed when fixed.

Some Zalo answers are about the OA or app, not the message (no Zalo Cloud
Account or no funds, a permission missing, the OA revoking the app): every
message would fail the same way, and burying them would lose them. So the
channel pauses: the worker stops claiming OA calls, everything stays queued,
and the connection shows as needing attention with Zalo's reason. It resumes
on a reconnect (a new token pair), a successful refresh after a refused one,
an admin's `resume`, or a probe: after a wait (5 min, 15 min, 1 h, then every
6 h) one worker tries one queued call; any answer that is not a channel error
resumes the channel.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from ... import clock
from ...models.oa_channel import ACTIVE, PAUSED, PROBING, OaChannel
from .upsert import ensure_row

PROBE_SCHEDULE = (300, 900, 3600, 21600)  # seconds before the n-th probe; the last repeats
PROBE_LEASE = dt.timedelta(seconds=60)     # a probing worker that dies hands the probe on after this
TOKEN_REFUSED = "token_refresh_refused"
REVOKED = "permission_revoked"
REVOKED_REASON = ("The OA revoked the app's permission (permission_revoked event): connect the OA again "
                  "(flask zalo connect-url).")


def _row(session: Session, oa_id: str) -> OaChannel | None:
    return session.scalar(sa.select(OaChannel).where(OaChannel.oa_id == oa_id))


def pause(session: Session, oa_id: str, code: str, reason: str) -> None:
    """Stop sending (in the caller's transaction); a repeat while paused or probing pushes the next probe back."""
    now = clock.now()
    row = ensure_row(session, OaChannel, "oa_id", oa_id, status=ACTIVE, probe_failures=0, updated_at=now)
    failures = row.probe_failures + 1 if row.status == PROBING else (row.probe_failures if row.status == PAUSED else 0)
    if row.status == ACTIVE:
        row.paused_at = now
    row.status, row.code, row.reason = PAUSED, code[:32], reason[:500]
    row.probe_failures = failures
    row.probe_at = now + dt.timedelta(seconds=PROBE_SCHEDULE[min(failures, len(PROBE_SCHEDULE) - 1)])
    row.probe_owner = row.probe_until = None
    row.updated_at = now


def resume(session: Session, oa_id: str, by: str, *, only_code: str | None = None) -> bool:
    """Send again (in the caller's transaction); `only_code` resumes only a pause for that reason."""
    row = _row(session, oa_id)
    if row is None or row.status == ACTIVE or (only_code is not None and row.code != only_code):
        return False
    now = clock.now()
    row.status, row.resumed_at, row.resumed_by, row.updated_at = ACTIVE, now, by[:64], now
    row.probe_failures, row.probe_at, row.probe_owner, row.probe_until = 0, None, None, None
    return True


def sendable(session: Session, oa_id: str, owner: str, limit: int) -> int:
    """How many OA calls `owner` may claim now: `limit` when active, 1 for the worker that wins a due probe, else 0.

    Commits (the probe is a compare-and-set other workers must see).
    """
    now = clock.now()
    row = _row(session, oa_id)
    if row is None or row.status == ACTIVE:
        session.commit()
        return limit
    won = session.execute(
        sa.update(OaChannel).where(
            OaChannel.id == row.id,
            sa.or_(sa.and_(OaChannel.status == PAUSED, OaChannel.probe_at <= now),
                   sa.and_(OaChannel.status == PROBING, OaChannel.probe_until < now)))
        .values(status=PROBING, probe_owner=owner[:128], probe_until=now + PROBE_LEASE, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    session.commit()
    return 1 if won else 0


def paused(session: Session, oa_id: str) -> bool:
    """True while sending is paused (a probe counts as paused for everyone but the call it is trying)."""
    row = _row(session, oa_id)
    return row is not None and row.status == PAUSED


def answered(session: Session, oa_id: str) -> None:
    """Zalo answered a call with something other than a channel error: a probe has succeeded."""
    session.execute(sa.update(OaChannel).where(OaChannel.oa_id == oa_id, OaChannel.status == PROBING)
                    .values(status=ACTIVE, resumed_at=clock.now(), resumed_by="probe", probe_failures=0,
                            probe_at=None, probe_owner=None, probe_until=None, updated_at=clock.now())
                    .execution_options(synchronize_session=False))


def status(session: Session, oa_id: str) -> dict:
    """What operators see: `active`, or paused/probing with Zalo's code, the reason and the next probe."""
    row = _row(session, oa_id)
    if row is None:
        return {"status": ACTIVE, "needs_attention": False}
    stamp = (lambda value: value.isoformat() if value else None)
    return {"status": row.status, "needs_attention": row.status != ACTIVE, "code": row.code,
            "reason": row.reason if row.status != ACTIVE else None, "paused_at": stamp(row.paused_at),
            "next_probe_at": stamp(row.probe_at) if row.status == PAUSED else None,
            "resumed_at": stamp(row.resumed_at), "resumed_by": row.resumed_by}


def on_permission_revoked(app: Flask, session: Session, payload: dict, when: dt.datetime) -> None:
    """The OA revoked the app (webhook `permission_revoked`): pause until it is connected again.

    A resend of the event older than the last resume (Zalo resends for hours) changes nothing.
    """
    ours = str(app.config["ZALO_OA_ID"] or "")
    oa_id = str(payload.get("oa_id") or (payload.get("recipient") or {}).get("id") or ours)
    row = _row(session, ours)
    if oa_id != ours or (row is not None and row.resumed_at is not None and when <= row.resumed_at):
        return
    pause(session, ours, REVOKED, REVOKED_REASON)
