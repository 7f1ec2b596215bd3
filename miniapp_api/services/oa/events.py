"""What each OA webhook event does to contacts, profiles, conversations and messages.

Every handler is idempotent (running an event twice changes nothing more)
and tolerant of order: follower status only moves with newer events and
receipts that arrive before their message are kept and applied later.
Profiles are resolved through `profiles.resolve_profile`, the same path the
Mini App uses, so a customer who filled the form and then writes to the OA
is one profile.
"""
from __future__ import annotations

import datetime as dt
from typing import Mapping

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from ... import clock
from ...models import Conversation, OaContact
from ...models.conversation import INBOUND, OPEN, OUTBOUND
from ...models.customer import PHONE, ZALO_APP, ZALO_OA
from ...zalo.oa import text_message
from ..forms.links import WELCOME, form_link
from .auto_reply import auto_reply
from .cards import queue_info_request
from .channel import on_permission_revoked
from .conversations import add_message, current_conversation, message_by_zalo_id, record_receipts
from .outbound import OutboundRefused, queue_message, queue_user_detail
from ..customers.phones import InvalidPhone, normalize_phone
from ..customers.profiles import Claim, resolve_profile
from ..zns import receipts as zns_receipts
from .. import shop_settings
from ..campaigns import opt_out
from ..journeys import triggers as journeys
from ...zalo.timestamps import zalo_moment

USER_MESSAGE_TYPES = ("text", "image", "link", "audio", "video", "sticker", "gif", "location", "file",
                      "business_card")
OA_ECHO_TYPES = ("text", "image", "gif", "list", "file", "sticker", "template", "consent")
IGNORED_EVENTS = ("user_click_chatnow", "user_reply_consent", "remove_tag", "shop_has_order")


class UnknownEvent(Exception):
    """An event this backend does not act on; it is kept and marked ignored."""


def event_time(payload: dict, received_at: dt.datetime) -> dt.datetime:
    """When it happened: the event's `timestamp` (`zalo_moment`)."""
    return zalo_moment(payload.get("timestamp"), received_at)


def _ms(payload: dict) -> int:
    try:
        return int(str(payload.get("timestamp")))
    except (TypeError, ValueError):
        return 0


def upsert_contact(session: Session, oa_user_id: str, app_user_id: str | None, *, source: str,
                   facts: dict | None = None, extra_claims: tuple[Claim, ...] = ()) -> OaContact:
    """Resolve the profile from the ids Zalo vouches for and keep the contact linked to it."""
    claims = [Claim(ZALO_OA, oa_user_id, True, source), *extra_claims]
    if app_user_id:
        claims.append(Claim(ZALO_APP, app_user_id, True, source))
    customer = resolve_profile(session, claims, facts=facts, source="zalo_oa").customer
    contact = session.scalar(sa.select(OaContact).where(OaContact.oa_user_id == oa_user_id))
    if contact is None:
        contact = OaContact(oa_user_id=oa_user_id, customer_id=customer.id, created_at=clock.now())
        session.add(contact)
    contact.customer_id = customer.id
    contact.app_user_id = app_user_id or contact.app_user_id
    session.flush()
    queue_user_detail(session, contact)
    return contact


def _touch(contact: OaContact, when: dt.datetime) -> None:
    if contact.last_interaction_at is None or when > contact.last_interaction_at:
        contact.last_interaction_at = when


def customer_turn(session: Session, contact: OaContact, when: dt.datetime, zalo_msg_id) -> Conversation | None:
    """The customer wrote at `when`: their contact and open conversation say so; None when the message with
    `zalo_msg_id` is already stored (a redelivery, or the history backfill got there first)."""
    _touch(contact, when)
    conversation = current_conversation(session, contact, reopen=True, at=when)
    conversation.status = OPEN
    if conversation.last_customer_message_at is None or when > conversation.last_customer_message_at:
        conversation.last_customer_message_at = when
    if message_by_zalo_id(session, zalo_msg_id) is not None:
        return None
    return conversation


def on_follow(app: Flask, session: Session, payload: dict, when: dt.datetime) -> None:
    follower = str((payload.get("follower") or {}).get("id") or "")
    contact = upsert_contact(session, follower, payload.get("user_id_by_app"), source="oa_webhook")
    _touch(contact, when)
    if contact.follow_event_ms is not None and _ms(payload) < contact.follow_event_ms:
        return  # an unfollow that happened later was already applied
    contact.is_follower, contact.follow_event_ms = True, _ms(payload)
    contact.follow_source, contact.followed_at = payload.get("source"), when
    config = shop_settings.effective(session, app.config)
    if config["OA_WELCOME_ENABLED"]:
        _queue_welcome(config, session, contact)


WELCOME_LINK_LABELS = {"vi": "Để lại thông tin", "en": "Leave your details",
                       "vi+en": "Để lại thông tin / Leave your details"}


def welcome_text(config) -> str:
    """The welcome text in OA_WELCOME_LANG, with a line linking to the form when OA_WELCOME_FORM_LINK."""
    lang = config["OA_WELCOME_LANG"]
    texts = {"vi": [config["OA_WELCOME_TEXT_VI"]], "en": [config["OA_WELCOME_TEXT_EN"]]}.get(
        lang, [config["OA_WELCOME_TEXT_VI"], config["OA_WELCOME_TEXT_EN"]])
    text = "\n\n".join(t for t in texts if t)
    if text and config["OA_WELCOME_FORM_LINK"]:
        label = WELCOME_LINK_LABELS.get(lang, WELCOME_LINK_LABELS["vi+en"])
        text += f"\n{label}: {form_link(config, source=WELCOME)}"
    return text


def welcome_preview(config: Mapping) -> dict:
    """What a new follower gets with these settings: {"kind": "text" | "request_user_info" | None, "text"}."""
    if not config["OA_WELCOME_ENABLED"]:
        return {"kind": None, "text": None}
    if config["OA_WELCOME_KIND"] == "request_user_info":
        return {"kind": "request_user_info",
                "text": f"{config['OA_INFO_REQUEST_TITLE']}\n{config['OA_INFO_REQUEST_SUBTITLE']}"}
    text = welcome_text(config)
    return {"kind": "text" if text else None, "text": text or None}


def _queue_welcome(config: Mapping, session: Session, contact: OaContact) -> None:
    """A text (with the form link) or Zalo's info-request card: documented `message/cs` shapes only.

    Not `message/cs/miniapp`: Zalo takes it only with a token the Mini App receives when this user taps its
    function button (docs/oa.md "Welcome message"), which someone who has just followed has not done.
    """
    try:
        if config["OA_WELCOME_KIND"] == "request_user_info":
            queue_info_request(session, contact, config, reason="welcome")
        elif text := welcome_text(config):
            queue_message(session, contact, text_message(text), reason="welcome", text=text)
    except OutboundRefused:
        pass  # cannot happen right after a follow; kept for an event replayed weeks later


def on_unfollow(app: Flask, session: Session, payload: dict, when: dt.datetime) -> None:
    follower = str((payload.get("follower") or {}).get("id") or "")
    contact = upsert_contact(session, follower, payload.get("user_id_by_app"), source="oa_webhook")
    if contact.follow_event_ms is not None and _ms(payload) < contact.follow_event_ms:
        return
    contact.is_follower, contact.follow_event_ms, contact.unfollowed_at = False, _ms(payload), when


def attachments_of(message: dict) -> list:
    """Attachments as Zalo sent them (`type` + `payload` with URLs, names, coordinates): metadata only."""
    return [{"type": a.get("type"), "payload": a.get("payload") or {}} for a in message.get("attachments") or []
            if isinstance(a, dict)]


def on_user_message(app: Flask, session: Session, payload: dict, when: dt.datetime) -> None:
    name, message = payload["event_name"], payload.get("message") or {}
    sender = str((payload.get("sender") or {}).get("id") or "")
    if sender == str(app.config.get("ZALO_OA_ID") or ""):
        raise UnknownEvent("user event sent by the OA itself (loop guard)")
    contact = upsert_contact(session, sender, payload.get("user_id_by_app"), source="oa_webhook")
    conversation = customer_turn(session, contact, when, message.get("msg_id"))
    if conversation is None:
        return
    add_message(session, conversation, direction=INBOUND, author="customer", type=name.removeprefix("user_send_"),
                text=message.get("text"), attachments=attachments_of(message), zalo_msg_id=message.get("msg_id"),
                quote_msg_id=message.get("quote_msg_id"), sent_at=when)
    journeys.leave(session, contact.customer_id, journeys.REPLIED, since=when)
    if name == "user_send_text" and message.get("text"):
        if opt_out.handle(session, contact, message["text"], app.config):
            return
        auto_reply(session, conversation, contact, message["text"], config=app.config,
                   cooldown=dt.timedelta(seconds=app.config["OA_AUTO_REPLY_COOLDOWN_SECONDS"]))


def submitted_info_facts(info: dict) -> tuple[dict, str | None]:
    """Profile facts and the raw phone from both shapes of `info` (nested `full_address` or flat)."""
    nested = info.get("full_address") if isinstance(info.get("full_address"), dict) else {}
    parts = [nested.get("user_address"), nested.get("user_ward"), nested.get("user_district"), nested.get("user_city")]
    if not nested:
        parts = [info.get("address"), info.get("ward"), info.get("district"), info.get("city")]
    address = ", ".join(str(p).strip() for p in parts if p and str(p).strip()) or None
    extra = {"dob": info.get("user_dob"), "gender": info.get("gender")}
    facts = {"full_name": info.get("name"), "address": address, "attributes": {k: v for k, v in extra.items() if v}}
    return facts, info.get("phone")


def on_submit_info(app: Flask, session: Session, payload: dict, when: dt.datetime) -> None:
    sender = str((payload.get("sender") or {}).get("id") or "")
    info = payload.get("info") if isinstance(payload.get("info"), dict) else {}
    facts, raw_phone = submitted_info_facts(info)
    claims: tuple[Claim, ...] = ()
    if raw_phone:
        try:
            claims = (Claim(PHONE, normalize_phone(str(raw_phone)), False, "oa_submit_info"),)
        except InvalidPhone:
            facts["attributes"]["unparsed_phone"] = str(raw_phone)
    contact = upsert_contact(session, sender, payload.get("user_id_by_app"), source="oa_webhook", facts=facts,
                             extra_claims=claims)
    _touch(contact, when)
    conversation = current_conversation(session, contact, reopen=True, at=when)
    add_message(session, conversation, direction=INBOUND, author="customer", type="submit_info",
                text=info.get("name"), attachments=[info], sent_at=when)


def on_oa_echo(app: Flask, session: Session, payload: dict, when: dt.datetime) -> None:
    """A message the OA sent (from Zalo's console, or ours echoed back): history, never a trigger."""
    message = payload.get("message") or {}
    if message_by_zalo_id(session, message.get("msg_id")) is not None:
        return  # our own send, already recorded
    recipient = str((payload.get("recipient") or {}).get("id") or "")
    contact = upsert_contact(session, recipient, payload.get("user_id_by_app"), source="oa_webhook")
    conversation = current_conversation(session, contact, reopen=False, at=when)
    add_message(session, conversation, direction=OUTBOUND, author="oa_console",
                type=payload["event_name"].removeprefix("oa_send_"), text=message.get("text"),
                attachments=attachments_of(message), zalo_msg_id=message.get("msg_id"), delivery_state="sent",
                sent_at=when)


def on_receipt(app: Flask, session: Session, payload: dict, when: dt.datetime) -> None:
    message = payload.get("message") or {}
    if zns_receipts.is_zns_receipt(payload):  # a template message sent by phone (services/zns)
        if not zns_receipts.record_receipt(session, payload, when):
            raise UnknownEvent("ZNS receipt for a tracking_id we did not send")
        return
    if payload["event_name"] == "user_seen_message":
        ids = message.get("msg_ids") or ([message["msg_id"]] if message.get("msg_id") else [])
        record_receipts(session, list(ids), "seen", when)
    else:
        record_receipts(session, [message.get("msg_id")], "received", when)


HANDLERS = {"follow": on_follow, "unfollow": on_unfollow, "user_submit_info": on_submit_info,
            "user_received_message": on_receipt, "user_seen_message": on_receipt,
            "permission_revoked": on_permission_revoked,
            **{f"user_send_{t}": on_user_message for t in USER_MESSAGE_TYPES},
            **{f"oa_send_{t}": on_oa_echo for t in OA_ECHO_TYPES}}


# Reactions, anonymous users, feedback and OA tags (`history_events` builds on the helpers above).
from .history_events import EXTRA_HANDLERS  # noqa: E402

HANDLERS.update(EXTRA_HANDLERS)


def handle_event(app: Flask, session: Session, payload: dict, received_at: dt.datetime) -> None:
    """Apply one event in the caller's transaction; raises `UnknownEvent` for events we do not act on."""
    name = str(payload.get("event_name") or "")
    handler = HANDLERS.get(name)
    if handler is None:
        raise UnknownEvent(f"event {name!r} is not handled" + (" (known, no action)" if name in IGNORED_EVENTS else ""))
    handler(app, session, payload, event_time(payload, received_at))
