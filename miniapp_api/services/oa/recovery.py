"""Did Zalo get a message whose send we never heard back about? Ask the conversation before resending.

An OA send records when it was handed to Zalo (`OaOutbound.send_started_at`,
committed before the call). If the worker then dies, or Zalo's answer times
out, nobody knows whether the customer got it. Zalo has no idempotency key
for `/v3.0/oa/message/cs`, but it lists what the OA sent:
`GET /v2.0/oa/conversation` (newest first, ≤ 10 a page). Before the next
attempt we look there for an OA → user line with the same text, listed no
earlier than the attempt started (less `CLOCK_SKEW`), whose `message_id` no
other row of ours has recorded:

- found: it was delivered; the caller records Zalo's id and does not resend;
- the listing reaches back past the attempt without it: it was not; send;
- the listing cannot tell (a message without text to recognise; more than
  `PAGES` pages newer than the attempt): do not resend blindly, mark the
  message failed for staff with the reason.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import OaOutbound

CLOCK_SKEW = dt.timedelta(seconds=60)  # our clock vs Zalo's `time`
PAGE, PAGES = 10, 5
NO_TEXT = ("Zalo may or may not have delivered this message (the worker stopped before Zalo answered) and a "
           "message without text cannot be recognised in the conversation: check the chat in Zalo before "
           "sending it again.")
TOO_BUSY = ("Zalo may or may not have delivered this message (the worker stopped before Zalo answered) and the "
            f"conversation has more than {PAGE * PAGES} newer messages to look through: check the chat in Zalo "
            "before sending it again.")


@dataclasses.dataclass
class Finding:
    """Zalo message ids that may be our message (oldest first); `undecidable` says why the listing could
    not rule it out when none of them is ours to take."""

    candidates: list[str]
    undecidable: str | None = None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def search(client, oa_user_id: str, payload: dict, started_at: dt.datetime) -> Finding:
    """Look through the conversation (HTTP: call with no transaction open)."""
    text = payload.get("text")
    if not text:
        return Finding([], NO_TEXT)
    since_ms = int((started_at - CLOCK_SKEW).timestamp() * 1000)
    found: list[tuple[int, str]] = []
    for page in range(PAGES):
        entries = client.conversation(oa_user_id, offset=page * PAGE, count=PAGE)
        for entry in entries:
            at = _int(entry.get("time"))
            if at is not None and at < since_ms:
                return Finding([m for _, m in sorted(found)])
            # The reference lists `message_id`; older SDK docs show `msg_id`.
            message_id = str(entry.get("message_id") or entry.get("msg_id") or "")
            if _int(entry.get("src")) == 0 and entry.get("message") == text and message_id:
                found.append((at or 0, message_id))
        if len(entries) < PAGE:
            return Finding([m for _, m in sorted(found)])
    return Finding([m for _, m in sorted(found)], TOO_BUSY)


def unclaimed(session: Session, finding: Finding, row_id: int) -> str | None:
    """The oldest candidate no other queued message of ours (than row `row_id`) recorded as its own."""
    if not finding.candidates:
        return None
    taken = set(session.scalars(sa.select(OaOutbound.zalo_message_id).where(
        OaOutbound.zalo_message_id.in_(finding.candidates), OaOutbound.id != row_id)))
    return next((m for m in finding.candidates if m not in taken), None)
