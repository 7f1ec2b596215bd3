"""Automatic replies: match a customer's text against the shop's rules and act.

Matching ignores case and Vietnamese diacritics ("gia" matches "Giá"),
business hours are read in Asia/Ho_Chi_Minh, a per-conversation cooldown keeps
a chatty customer from being answered every time, and nothing here ever runs
for OA echoes or our own messages (the caller only passes customer texts).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session
from unidecode import unidecode

from ... import clock
from ...models import AutoReplyRule, Conversation, ConversationEvent, OaContact
from ...models.auto_reply import MATCH_TYPES
from ...models.conversation import HANDED_OVER
from ..forms.links import AUTO_REPLY, form_link
from .cards import queue_info_request
from .outbound import OutboundRefused, queue_message

log = logging.getLogger(__name__)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^(?:(?P<d1>[a-z]{3})(?:-(?P<d2>[a-z]{3}))?\s+)?(?P<h1>\d{1,2}):(?P<m1>\d{2})-(?P<h2>\d{1,2}):(?P<m2>\d{2})$")


class RuleInvalid(ValueError):
    """A rule definition that cannot be used (bad match type, regex or hours)."""


def normalize(text: str) -> str:
    """Lower case, no diacritics (đ → d), single spaces: the form both sides are compared in."""
    return " ".join(unidecode(text or "").lower().split())


def matches(rule: AutoReplyRule, text: str) -> bool:
    said = normalize(text)
    if rule.match_type == "exact":
        return said.strip(" .!?") == normalize(rule.pattern).strip(" .!?")
    if rule.match_type == "contains":
        return re.search(r"(?<!\w)" + re.escape(normalize(rule.pattern)) + r"(?!\w)", said) is not None
    return re.search(rule.pattern, said, re.IGNORECASE) is not None or \
        re.search(rule.pattern, text or "", re.IGNORECASE) is not None


def parse_hours(spec: str) -> list[tuple[set[int], dt.time, dt.time]]:
    """Opening windows (weekdays, start, end) of a spec like 'mon-sat 08:00-21:00'; shared with metrics."""
    windows = []
    for part in spec.split(","):
        found = _HOURS.match(part.strip().lower())
        if not found:
            raise RuleInvalid(f"business hours {part.strip()!r}: use e.g. 'mon-sat 08:00-21:00'")
        d1, d2 = found["d1"], found["d2"]
        if d1 and (d1 not in DAYS or (d2 and d2 not in DAYS)):
            raise RuleInvalid(f"business hours {part.strip()!r}: days are {', '.join(DAYS)}")
        days = set(range(7)) if not d1 else set(range(DAYS.index(d1), DAYS.index(d2 or d1) + 1))
        try:
            start = dt.time(int(found["h1"]), int(found["m1"]))
            end = dt.time(int(found["h2"]) % 24, int(found["m2"]))
        except ValueError as exc:
            raise RuleInvalid(f"business hours {part.strip()!r}: {exc}") from exc
        windows.append((days, start, end))
    return windows


def in_business_hours(spec: str | None, when: dt.datetime) -> bool:
    """Whether `when` falls in `spec` (local time); no spec means always open."""
    if not spec:
        return True
    local = when.astimezone(clock.LOCAL_TZ)
    for days, start, end in parse_hours(spec):
        if start < end:
            if local.weekday() in days and start <= local.time() < end:
                return True
        elif (local.weekday() in days and local.time() >= start) or \
                ((local.weekday() - 1) % 7 in days and local.time() < end):
            return True  # overnight window, e.g. 20:00-02:00; end = start (00:00-24:00) is 24 hours
    return False


def validate_rule(data: dict) -> dict:
    """Check a rule definition (from the CLI or an import) and return its clean fields."""
    clean = {k: data.get(k) for k in ("name", "match_type", "pattern", "priority", "reply_text", "send_form_link",
                                        "send_info_request", "handover", "business_hours", "out_of_hours_text",
                                        "active") if k in data}
    if not clean.get("name") or not clean.get("pattern"):
        raise RuleInvalid("a rule needs a name and a pattern")
    if clean.get("match_type", "contains") not in MATCH_TYPES:
        raise RuleInvalid(f"match_type must be one of {', '.join(MATCH_TYPES)}")
    clean.setdefault("match_type", "contains")
    if clean["match_type"] == "regex":
        try:
            re.compile(clean["pattern"])
        except re.error as exc:
            raise RuleInvalid(f"pattern is not a valid regular expression: {exc}") from exc
    if clean.get("business_hours"):
        parse_hours(clean["business_hours"])
    if not (clean.get("reply_text") or clean.get("send_form_link") or clean.get("send_info_request")
            or clean.get("handover")):
        raise RuleInvalid("a rule must reply (reply_text / send_form_link / send_info_request) or hand over to staff")
    return clean


def save_rule(session: Session, data: dict) -> tuple[AutoReplyRule, bool]:
    """Create the rule named in `data`, or replace the fields given of the one with that name; (rule, created)."""
    clean = validate_rule(data)
    rule = session.scalar(sa.select(AutoReplyRule).where(AutoReplyRule.name == clean["name"]))
    created = rule is None
    if created:
        rule = AutoReplyRule(name=clean["name"])
        session.add(rule)
    for key, value in clean.items():
        setattr(rule, key, value)
    session.flush()
    return rule, created


def export_rule(rule: AutoReplyRule) -> dict:
    return {"name": rule.name, "match_type": rule.match_type, "pattern": rule.pattern, "priority": rule.priority,
            "reply_text": rule.reply_text, "send_form_link": rule.send_form_link,
            "send_info_request": rule.send_info_request, "handover": rule.handover,
            "business_hours": rule.business_hours, "out_of_hours_text": rule.out_of_hours_text, "active": rule.active}


@dataclasses.dataclass(frozen=True)
class Decision:
    """What the first firing rule wants: a reply text (maybe none), Zalo's info-request card, a handover."""

    rule: AutoReplyRule
    text: str | None
    handover: bool
    info_request: bool = False


def decide(session: Session, text: str, now: dt.datetime, form_url: str) -> Decision | None:
    rules = session.scalars(sa.select(AutoReplyRule).where(AutoReplyRule.active.is_(True))
                            .order_by(AutoReplyRule.priority, AutoReplyRule.id))
    for rule in rules:
        if not matches(rule, text):
            continue
        if not in_business_hours(rule.business_hours, now):
            if rule.out_of_hours_text:
                return Decision(rule, rule.out_of_hours_text, False)
            continue
        parts = [p for p in (rule.reply_text, form_url if rule.send_form_link else None) if p]
        return Decision(rule, "\n".join(parts) or None, rule.handover, rule.send_info_request)
    return None


def auto_reply(session: Session, conversation: Conversation, contact: OaContact, text: str, *,
               config: Mapping, cooldown: dt.timedelta) -> Decision | None:
    """Apply the rules to one customer text; a conversation waiting for staff gets no bot replies."""
    if conversation.waiting_for_human:
        return None
    now = clock.now()
    decision = decide(session, text, now, form_link(config, source=AUTO_REPLY))
    if decision is None:
        return None
    if decision.handover:
        conversation.waiting_for_human = True
        conversation.waiting_since = now
        session.add(ConversationEvent(conversation_id=conversation.id, kind=HANDED_OVER, at=now,
                                      detail={"rule": decision.rule.name}))
    cooling = conversation.last_auto_reply_at is not None and now - conversation.last_auto_reply_at < cooldown
    if (decision.text or decision.info_request) and not cooling:
        try:
            if decision.text:
                queue_message(session, contact, {"text": decision.text}, reason="auto_reply", text=decision.text)
            if decision.info_request:
                queue_info_request(session, contact, config, reason="auto_reply")
            conversation.last_auto_reply_at = now
        except OutboundRefused as exc:
            log.info("auto-reply %s not sent: %s", decision.rule.name, exc.code)
    return decision
