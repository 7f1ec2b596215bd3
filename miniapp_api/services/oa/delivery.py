"""The worker's side of the OA queue: make the queued OA API calls and record what Zalo said.

Per row: claim (committed), re-check the messaging window (asking Zalo's
quota endpoint when our own knowledge is not enough: `window.py`), record that
the send starts (committed), call Zalo with no transaction open, then record
the outcome in a new transaction. Zalo's codes decide the outcome: token errors
were already refreshed-and-retried by the client; rate limits and quotas
retry later; recipient errors (-213, -230, -232, ...) are final for that
message and kept with a readable reason; account-level errors (-320, -209, a
refused token refresh, ...) pause the whole channel and put the row back
untouched (`channel.py`); a welcome Zalo would refuse is skipped, not failed.
A send whose outcome never came back (the worker died, the answer timed out) is looked up in Zalo's conversation
before it is tried again (`oa_recovery`), so a crash re-sends nothing Zalo
already accepted.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from ... import queue

from ... import clock
from ...extensions import db
from ...models import Message, OaContact, OaOutbound
from ...models.conversation import FAILED
from ...models.customer import PHONE, ZALO_APP, ZALO_OA
from ...models.oa_outbound import SEND_MESSAGE, SEND_PROMOTION, SENDS, TAG_ADD, TAG_KINDS, TAG_REMOVE, USER_DETAIL
from ...zalo.http import ZaloError, ZaloUnavailable
from ...zalo.oa import CHANNEL_REASONS, INTERACTION_EXPIRED, NO_INTERACTION_7D, PERMANENT_REASONS, REFRESH_CODES, \
    RETRY_LATER
from ..customers.consents import has_marketing_consent
from .conversations import advance_delivery, message_by_zalo_id
from . import backfill, channel, window
from . import recovery as oa_recovery
from .tokens import OaNotConnected, RefreshRefused, TokenRefreshFailed
from .tags import still_wanted
from .outbound import MARKETING_REASONS, marketing_refusal, window_refusal
from ..customers.phones import InvalidPhone, normalize_phone
from ..customers.profiles import Claim, publish_upsert, resolve_profile
from ..customers.provenance import apply_facts

log = logging.getLogger(__name__)
# Customer messages lose their point quickly: retry for about a day, not for days.
SEND_SCHEDULE = (5, 30, 120, 600, 1800, 7200, 21600)
SKIPPED = "skipped"  # delivery state of a welcome Zalo would not take: not sent, and not an error


class Outcome(Exception):
    """How a call failed: `permanent` ones are not retried; `retry_after` is a floor in seconds."""

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.permanent, self.retry_after = reason, permanent, retry_after


def classify(exc: Exception, permanent: dict = PERMANENT_REASONS, refresh_codes: tuple = REFRESH_CODES,
             retry_later: dict = RETRY_LATER) -> Outcome:
    """How a failed call ends, by Zalo's code tables (the ZNS sender passes its own)."""
    if isinstance(exc, ZaloError):
        if exc.code in permanent:
            return Outcome(permanent[exc.code], permanent=True)
        if exc.code in refresh_codes:  # still rejected right after a refresh: not this message's fault
            return Outcome(f"Zalo rejected a freshly refreshed OA token (error {exc.code}); reconnect the OA "
                           "if this persists.", retry_after=300)
        if exc.code in retry_later:
            return Outcome(f"Zalo error {exc.code}: {exc.message}", retry_after=retry_later[exc.code])
        return Outcome(f"Zalo error {exc.code}: {exc.message}", permanent=True)
    if isinstance(exc, (OaNotConnected, TokenRefreshFailed)):
        return Outcome(str(exc), retry_after=300)
    if isinstance(exc, ZaloUnavailable):
        return Outcome(f"Zalo unavailable: {exc}")
    return Outcome(f"{type(exc).__name__}: {exc}")


def send_due(app: Flask, owner: str, limit: int = 50) -> int:
    """Claim due OA calls and make them (none while the channel is paused, one for a probe); returns how many."""
    limit = channel.sendable(db.session, _oa_id(app), owner, limit)
    if not limit:
        return 0
    return queue.run_claimed(db.session, OaOutbound, lambda row_id: deliver_one(app, db.session, row_id, owner),
                             owner=owner, limit=limit)


def _oa_id(app: Flask) -> str:
    return str(app.config.get("ZALO_OA_ID") or "")


def deliver_one(app: Flask, session: Session, row_id: int, owner: str) -> None:
    row = session.get(OaOutbound, row_id)
    if not queue.still_held(row, owner):  # cancelled since the claim (an erasure)
        session.commit()
        return
    if channel.paused(session, _oa_id(app)):  # paused while this batch was being sent
        queue.release(session, OaOutbound, [row_id], owner)
        session.commit()
        return
    kind, uid, payload, attempts = row.kind, row.oa_user_id, dict(row.payload), row.attempts
    if kind in SENDS and row.send_started_at is not None:
        if _settled_by_earlier_attempt(app, session, row_id, owner):
            return
        row = session.get(OaOutbound, row_id)
    if kind == SEND_MESSAGE and not _window_allows(app, session, row_id, owner):
        return
    row = session.get(OaOutbound, row_id)
    if kind in SENDS and not _consent_allows(session, row, owner):
        session.commit()
        return
    if kind in TAG_KINDS and not still_wanted(session, row):
        queue.ignore(session, OaOutbound, row_id, owner, "superseded: the customer's tags changed again")
        session.commit()
        return
    if kind in SENDS:
        row.send_started_at = clock.now()  # from this commit on, a crash leaves "Zalo may have it"
    session.commit()  # no transaction stays open across the HTTP call
    try:
        data = _call(app.extensions["zalo_oa"], kind, uid, payload)
    except Exception as exc:
        _call_failed(app, session, row_id, owner, exc, attempts)
        return
    if not queue.complete(session, OaOutbound, row_id, owner):
        session.rollback()  # cancelled while Zalo answered (an erasure): what it said is not ours to keep
        log.info("OA %s row %s was cancelled during the call; result discarded", kind, row_id)
        return
    channel.answered(session, _oa_id(app))
    row = session.get(OaOutbound, row_id)
    if kind in SENDS:
        _record_sent(session, row, str(data.get("message_id") or ""))
        _record_quota(session, row, data.get("quota"))
    elif kind == USER_DETAIL:
        apply_user_detail(session, uid, data)
    elif kind in backfill.KINDS:
        backfill.store(app, session, row, data)
    session.commit()


def _call_failed(app: Flask, session: Session, row_id: int, owner: str, exc: Exception, attempts: int) -> None:
    """Settle a row whose call raised: pause the channel, skip a welcome, or retry/bury the row."""
    # Zalo's refusal (or no token to call with) means not sent; anything else may have been.
    not_sent = isinstance(exc, (ZaloError, OaNotConnected, TokenRefreshFailed))
    extra = {"send_started_at": None} if not_sent else None
    code = exc.code if isinstance(exc, ZaloError) else None
    if code in CHANNEL_REASONS or isinstance(exc, RefreshRefused):
        _pause_channel(app, session, row_id, owner, exc)
        return
    if isinstance(exc, ZaloError):
        channel.answered(session, _oa_id(app))
    row = session.get(OaOutbound, row_id)
    if code in (NO_INTERACTION_7D, INTERACTION_EXPIRED) and row.reason == "welcome":
        _skip_welcome(session, row, owner, PERMANENT_REASONS[code], extra)
        session.commit()
        return
    _record_failure(session, row_id, owner, classify(exc), attempts, extra=extra)


def _pause_channel(app: Flask, session: Session, row_id: int, owner: str, exc: Exception) -> None:
    """An account-level refusal: the row goes back to the queue as if never tried, and sending pauses."""
    if isinstance(exc, ZaloError):
        code, reason = str(exc.code), CHANNEL_REASONS[exc.code]
    else:
        code, reason = channel.TOKEN_REFUSED, f"{exc} Connect the OA again (flask zalo connect-url)."
    session.get(OaOutbound, row_id).send_started_at = None
    queue.release(session, OaOutbound, [row_id], owner)
    channel.pause(session, _oa_id(app), code, reason)
    session.commit()
    log.warning("OA channel paused (%s); OA calls stay queued until it is fixed", code)


def _skip_welcome(session: Session, row: OaOutbound, owner: str, why: str, extra: dict | None = None) -> None:
    """A welcome Zalo will not take is skipped quietly: its reason is kept, nothing is marked failed."""
    reason = f"Welcome not sent: {why}"
    if extra:
        for key, value in extra.items():
            setattr(row, key, value)
    queue.ignore(session, OaOutbound, row.id, owner, reason)
    if (message := session.get(Message, row.message_id) if row.message_id else None) is not None:
        message.delivery_state, message.failure_reason = SKIPPED, reason[:500]
    log.info("OA welcome row %s skipped: the window is not open", row.id)


def _record_failure(session: Session, row_id: int, owner: str, outcome: Outcome, attempts: int,
                    extra: dict | None = None) -> None:
    """Retry later or bury the row; a buried message shows as failed, with why, in the conversation."""
    row = session.get(OaOutbound, row_id)
    kind, message_id = row.kind, row.message_id
    status = queue.fail(session, OaOutbound, row_id, owner, outcome.reason, attempts=attempts,
                        permanent=outcome.permanent, retry_after=outcome.retry_after, schedule=SEND_SCHEDULE,
                        extra=extra)
    if status == "dead" and (message := session.get(Message, message_id) if message_id else None):
        message.delivery_state, message.failure_reason = FAILED, outcome.reason[:500]
    session.commit()
    log.info("OA %s row %s: %s (%s)", kind, row_id, outcome.reason, status)  # row, not the Zalo id


def _settled_by_earlier_attempt(app: Flask, session: Session, row_id: int, owner: str) -> bool:
    """An earlier attempt may have reached Zalo: True when the row is settled here and must not be sent."""
    row = session.get(OaOutbound, row_id)
    uid, payload, started, attempts = row.oa_user_id, dict(row.payload), row.send_started_at, row.attempts
    session.commit()  # the look-up is an HTTP call
    try:
        finding = oa_recovery.search(app.extensions["zalo_oa"], uid, payload, started)
    except Exception as exc:
        outcome = classify(exc)
        outcome.reason = f"Could not check whether Zalo has an earlier attempt: {outcome.reason}"
        _record_failure(session, row_id, owner, outcome, attempts)
        return True
    if (zalo_message_id := oa_recovery.unclaimed(session, finding, row_id)) is not None:
        _record_sent(session, session.get(OaOutbound, row_id), zalo_message_id)
        queue.complete(session, OaOutbound, row_id, owner)
        session.commit()
        log.info("OA message %s: Zalo already had it from an earlier attempt; not sent again", row_id)
        return True
    if finding.undecidable:
        _record_failure(session, row_id, owner, Outcome(finding.undecidable, permanent=True), attempts)
        return True
    return False


def _call(client, kind: str, uid: str, payload: dict) -> dict:
    """Make the OA API call a queued row stands for."""
    if kind == SEND_MESSAGE:
        return client.send_cs(uid, payload)
    if kind == SEND_PROMOTION:
        return client.send_promotion(uid, payload)
    if kind == TAG_ADD:
        return client.tag_follower(uid, payload["tag_name"])
    if kind == TAG_REMOVE:
        return client.untag_follower(uid, payload["tag_name"])
    if kind in backfill.KINDS:
        return backfill.fetch(client, kind, uid, payload)
    return client.user_detail(uid)


def _consent_allows(session: Session, row: OaOutbound, owner: str) -> bool:
    """A marketing message whose customer withdrew consent after it was queued is never sent."""
    contact = session.scalar(sa.select(OaContact).where(OaContact.oa_user_id == row.oa_user_id))
    if row.reason not in MARKETING_REASONS or (contact and has_marketing_consent(session, contact.customer_id)):
        return True
    reason = marketing_refusal().reason
    queue.fail(session, OaOutbound, row.id, owner, reason, attempts=row.attempts, permanent=True)
    if (message := session.get(Message, row.message_id) if row.message_id else None) is not None:
        message.delivery_state, message.failure_reason = FAILED, reason
    return False


def _window_allows(app: Flask, session: Session, row_id: int, owner: str) -> bool:
    """Re-check the window at send time, asking Zalo when in doubt; a closed one settles the row without sending.

    Returns True to send; on False the row is settled and committed.
    """
    row = session.get(OaOutbound, row_id)
    uid, attempts, ttl = row.oa_user_id, row.attempts, app.config["OA_QUOTA_CACHE_SECONDS"]
    contact = session.scalar(sa.select(OaContact).where(OaContact.oa_user_id == uid))
    known = window.assess(session, uid, contact, clock.now(), ttl)
    if known.uncertain:
        session.commit()  # the quota look-up is an HTTP call
        try:
            answer = app.extensions["zalo_oa"].message_quota(uid)
        except Exception as exc:
            _call_failed(app, session, row_id, owner, exc, attempts)
            return False
        channel.answered(session, _oa_id(app))
        window.record_answer(session, uid, answer)
        session.flush()
        contact = session.scalar(sa.select(OaContact).where(OaContact.oa_user_id == uid))
        known = window.assess(session, uid, contact, clock.now(), ttl)
        row = session.get(OaOutbound, row_id)
    message = session.get(Message, row.message_id) if row.message_id else None
    if known.state == window.CLOSED:
        reason = window_refusal(known.last_interaction_at).reason
        if row.reason == "welcome":
            _skip_welcome(session, row, owner, reason)
        else:
            queue.fail(session, OaOutbound, row.id, owner, reason, attempts=row.attempts, permanent=True)
            if message is not None:
                message.delivery_state, message.failure_reason = FAILED, reason[:500]
        session.commit()
        return False
    if message is not None and known.state == window.PAID:
        message.paid = True
    return True


def _record_quota(session: Session, row: OaOutbound, quota) -> None:
    """Keep the `quota` Zalo charged the send to; a package or purchased quota means it was not a free reply."""
    row.zalo_quota = quota if isinstance(quota, dict) else None
    if window.record_send_quota(session, row.oa_user_id, quota) and row.message_id:
        session.get(Message, row.message_id).paid = True


def _record_sent(session: Session, row: OaOutbound, zalo_message_id: str) -> None:
    row.zalo_message_id = zalo_message_id or None
    message = session.get(Message, row.message_id) if row.message_id else None
    if message is None:
        return
    echo = message_by_zalo_id(session, zalo_message_id)
    if echo is not None and echo.id != message.id:
        # The webhook echo of this very message was stored first: keep ours, with the echo's receipts.
        state = echo.delivery_state
        session.delete(echo)
        session.flush()
        message.zalo_msg_id = zalo_message_id
        advance_delivery(message, state or "sent")
    message.zalo_msg_id = zalo_message_id or None
    advance_delivery(message, "sent")
    message.sent_at = clock.now()


def apply_user_detail(session: Session, oa_user_id: str, data: dict) -> None:
    """Fold `/v3.0/oa/user/detail` into the profile and the contact."""
    shared = data.get("shared_info") if isinstance(data.get("shared_info"), dict) else {}
    claims = [Claim(ZALO_OA, oa_user_id, True, "oa_user_detail")]
    if data.get("user_id_by_app"):
        claims.append(Claim(ZALO_APP, str(data["user_id_by_app"]), True, "oa_user_detail"))
    if shared.get("phone"):
        try:
            claims.append(Claim(PHONE, normalize_phone(str(shared["phone"])), False, "oa_shared_info"))
        except InvalidPhone:
            pass
    address = ", ".join(str(shared[k]) for k in ("address", "district", "city") if shared.get(k)) or None
    facts = {"zalo_display_name": data.get("display_name"), "avatar_url": data.get("avatar")}
    resolution = resolve_profile(session, claims, facts=facts, source="zalo_oa", publish=False)
    customer = resolution.customer
    # Zalo's shared info is older than what the customer told us directly: it only fills gaps.
    resolution.changed |= apply_facts(customer, {"full_name": shared.get("name"), "address": address},
                                      fill_only=True)
    if resolution.changed:
        publish_upsert(session, customer)
    contact = session.scalar(sa.select(OaContact).where(OaContact.oa_user_id == oa_user_id))
    if contact is not None:
        contact.customer_id = customer.id
        contact.enriched_at = clock.now()
        if contact.follow_event_ms is None and isinstance(data.get("user_is_follower"), bool):
            contact.is_follower = data["user_is_follower"]
