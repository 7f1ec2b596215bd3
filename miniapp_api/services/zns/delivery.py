"""The worker's side of ZNS: send queued template messages within the OA's daily quota and record what Zalo said.

Per batch: claim (committed), make sure today's quota has room (`QuotaGate`:
Zalo's `GET /message/quota`, asked again after `QUOTA_TTL`, and updated by
the `quota` every send returns), send each row with no transaction open, then
record the outcome in a new transaction. A spent quota (`remainingQuota` 0,
or Zalo's `-144`) is no fault of the messages: they go back to the queue for
after the next local midnight, without counting an attempt, so none is lost
and none nears dead letter. Rate limits and a spent ZCA balance retry later;
a bad phone, template or parameter is final for that message.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading

from flask import Flask
from sqlalchemy.orm import Session

from ... import clock, queue
from ...extensions import db
from ...models import ZnsMessage
from ...models.zns import FAILED, QUEUED, SENT
from ...zalo.http import ZaloError, ZaloUnavailable
from ...zalo.zns import (DAILY_QUOTA_EXCEEDED, OUT_OF_BALANCE, PHONE_INVALID, TEMPLATE_DATA_EMPTY,
                         TEMPLATE_DATA_INVALID, TEMPLATE_INVALID, USER_CANNOT_RECEIVE, ZNS_REFRESH_CODES)
from ..oa.delivery import SEND_SCHEDULE, Outcome, classify as oa_classify
from ..oa.tokens import OaNotConnected, TokenRefreshFailed

log = logging.getLogger(__name__)
QUOTA_TTL = dt.timedelta(minutes=5)
QUOTA_SPENT = "The OA's daily ZNS quota is spent; the message waits for tomorrow's quota."
PERMANENT = {
    PHONE_INVALID: "Zalo says the phone number is invalid (ZNS -108).",
    TEMPLATE_INVALID: "Zalo does not know the template (ZNS -109); sync the templates.",
    TEMPLATE_DATA_EMPTY: "Zalo received no template data (ZNS -111).",
    TEMPLATE_DATA_INVALID: "Zalo refused the template data (ZNS -112).",
    -1121: "A template parameter is longer than Zalo allows (ZNS -1121).",
    -117: "The OA or app may not use this template (ZNS -117).",
    -131: "The template is not enabled at Zalo (ZNS -131).",
    **{code: f"The phone's Zalo account cannot receive ZNS messages (ZNS {code})." for code in USER_CANNOT_RECEIVE},
}
RETRY_LATER = {-32: 60.0, OUT_OF_BALANCE: 3600.0, -100: None}


def next_refill(now: dt.datetime) -> dt.datetime:
    """Just after the next midnight in Vietnam, when Zalo gives the OA a new day's quota."""
    local = now.astimezone(clock.LOCAL_TZ)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0, 1), tzinfo=clock.LOCAL_TZ)
    return midnight.astimezone(dt.timezone.utc)


class QuotaGate:
    """What this worker process knows of today's ZNS quota: Zalo's figure and, once it is spent, when it refills."""

    def __init__(self):
        self.lock = threading.Lock()
        self.remaining: int | None = None
        self.checked_at: dt.datetime | None = None
        self.closed_until: dt.datetime | None = None

    def closed(self, now: dt.datetime) -> bool:
        with self.lock:
            return self.closed_until is not None and now < self.closed_until

    def room(self, client, now: dt.datetime) -> int | None:
        """Messages that may go now (None: unknown, Zalo could not be asked; the send itself will tell)."""
        with self.lock:
            fresh = self.checked_at is not None and now - self.checked_at < QUOTA_TTL
        if not fresh:
            try:
                self.note(client.quota(), now)
            except (ZaloError, ZaloUnavailable, OaNotConnected, TokenRefreshFailed) as exc:
                log.info("ZNS quota unknown: %s", exc)
                return None
        with self.lock:
            if self.remaining is not None and self.remaining <= 0:
                self.closed_until = next_refill(now)
            return self.remaining

    def note(self, quota: dict | None, now: dt.datetime) -> None:
        """Record Zalo's `{dailyQuota, remainingQuota}` (strings or numbers)."""
        try:
            remaining = int((quota or {}).get("remainingQuota"))
        except (TypeError, ValueError):
            return
        with self.lock:
            self.remaining, self.checked_at = remaining, now
            if remaining > 0:
                self.closed_until = None

    def spent(self, now: dt.datetime) -> dt.datetime:
        with self.lock:
            self.remaining, self.checked_at, self.closed_until = 0, now, next_refill(now)
            return self.closed_until


def classify(exc: Exception) -> Outcome:
    """The OA sender's rules with ZNS's code tables."""
    return oa_classify(exc, PERMANENT, ZNS_REFRESH_CODES, RETRY_LATER)


def send_due(app: Flask, owner: str, limit: int = 50) -> int:
    """Claim due template messages and send those today's quota has room for; returns how many were claimed."""
    gate: QuotaGate = app.extensions["zns_quota"]
    session = db.session
    if gate.closed(clock.now()):
        return 0  # nothing is claimed: the rows stay pending until the quota refills
    ids = queue.claim(session, ZnsMessage, owner=owner, limit=limit, order_by=(ZnsMessage.id,))
    if not ids:
        return 0
    room = gate.room(app.extensions["zalo_zns"], clock.now())
    sendable = ids if room is None else ids[:max(room, 0)]
    for index, row_id in enumerate(sendable):
        if not _send_one(app, session, row_id, owner, gate):
            sendable = sendable[:index + 1]
            break
    rest = ids[len(sendable):]
    if rest:
        if gate.closed(clock.now()):
            queue.defer(session, ZnsMessage, rest, owner, gate.closed_until, QUOTA_SPENT)
        else:
            queue.release(session, ZnsMessage, rest, owner)
        session.commit()
    return len(ids)


def _send_one(app: Flask, session: Session, row_id: int, owner: str, gate: QuotaGate) -> bool:
    """Send one claimed row; False when the quota turned out spent (the caller stops and defers the rest)."""
    row = session.get(ZnsMessage, row_id)
    if not queue.still_held(row, owner):  # cancelled since the claim (an erasure)
        session.commit()
        return True
    phone, template_id, data, tracking_id = row.phone, row.template_id, dict(row.template_data), row.tracking_id
    attempts = row.attempts
    session.commit()  # no transaction stays open across the HTTP call
    try:
        result = app.extensions["zalo_zns"].send_template(phone, template_id, data, tracking_id,
                                                           development=app.config["ZNS_DEVELOPMENT_MODE"])
    except ZaloError as exc:
        if exc.code == DAILY_QUOTA_EXCEEDED:
            queue.defer(session, ZnsMessage, [row_id], owner, gate.spent(clock.now()), QUOTA_SPENT)
            session.commit()
            return False
        _record_failure(session, row_id, owner, classify(exc), attempts)
        return True
    except Exception as exc:
        _record_failure(session, row_id, owner, classify(exc), attempts)
        return True
    if not queue.complete(session, ZnsMessage, row_id, owner):
        session.rollback()
        log.info("ZNS row %s was cancelled during the call; result discarded", row_id)
        return True
    row = session.get(ZnsMessage, row_id)
    row.zalo_msg_id = str(result.get("msg_id") or "") or None
    row.sent_at = clock.now()
    if row.delivery_state == QUEUED:  # a receipt may have beaten us to it
        row.delivery_state = SENT
    session.commit()
    gate.note(result.get("quota"), clock.now())
    return True


def _record_failure(session: Session, row_id: int, owner: str, outcome: Outcome, attempts: int) -> None:
    status = queue.fail(session, ZnsMessage, row_id, owner, outcome.reason, attempts=attempts,
                        permanent=outcome.permanent, retry_after=outcome.retry_after, schedule=SEND_SCHEDULE)
    if status == "dead":
        session.get(ZnsMessage, row_id).delivery_state = FAILED
    session.commit()
    log.info("ZNS row %s: %s (%s)", row_id, outcome.reason, status)
