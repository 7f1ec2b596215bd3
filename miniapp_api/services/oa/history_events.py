"""OA events kept in the conversation history beyond messages: reactions, anonymous users, feedback, OA tags.

- `user_reacted_message` / `oa_reacted_message` (`message: {msg_id, react_icon}`,
  `msg_id` naming the message reacted to) become `reaction` messages quoting it.
  The customer's are authored `customer_event`, the OA's `oa_event`: history,
  never a message awaiting a reply nor a reply (metrics and routing count
  `customer` and human authors only).
- `anonymous_send_{text,image,file,sticker}` come from a Zalo user the OA does
  not know (`sender.id` is an anonymous id, `message.conversation_id` the
  thread). They get a contact of their own (`anon:<id>`) on a profile with no
  identity, so the team sees and can take the thread, but nothing is ever sent
  to that id through the OA's user APIs (`outbound.contact_for_customer`).
- `user_feedback` becomes a `feedback` message (rate, note, chosen feedbacks).
  *Assumption:* Zalo's pages we could read do not show its body; it is parsed
  defensively from `message` (or the top level) and kept whole.
- `add_user_to_tag` / `remove_user_from_tag` (`tag: {user_ids, name}`): a tag
  set in Zalo's OA manager is set on the local profiles too, and not mirrored
  back (it came from there). `remove_tag` (a tag deleted in Zalo) is left
  ignored: deleting a tag staff may still use locally is their call.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from ... import clock
from ...models import Customer, OaContact, Tag
from ...models.conversation import INBOUND, OUTBOUND
from ..audit import record as audit_record
from ..customers.profiles import live
from ..customers.staff_edits import set_tag
from .conversations import add_message, current_conversation
from .events import UnknownEvent, attachments_of, customer_turn, upsert_contact
from .outbound import ANONYMOUS_PREFIX

ANONYMOUS_KINDS = ("text", "image", "file", "sticker")
TAG_NAME_LENGTH = Tag.name.type.length


def _part(payload: dict, key: str) -> dict:
    value = payload.get(key)
    return value if isinstance(value, dict) else {}


def _id(payload: dict, role: str) -> str:
    value = _part(payload, role).get("id")
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


def on_reaction(app: Flask, session: Session, payload: dict, when: dt.datetime) -> None:
    by_customer = payload["event_name"] == "user_reacted_message"
    uid = _id(payload, "sender" if by_customer else "recipient")
    if not uid:
        raise UnknownEvent("reaction without the user's id")
    message = _part(payload, "message")
    target, icon = str(message.get("msg_id") or "") or None, str(message.get("react_icon") or "")
    contact = upsert_contact(session, uid, payload.get("user_id_by_app"), source="oa_webhook")
    conversation = current_conversation(session, contact, reopen=False, at=when)
    add_message(session, conversation, direction=INBOUND if by_customer else OUTBOUND,
                author="customer_event" if by_customer else "oa_event", type="reaction", text=icon or None,
                attachments=[{"type": "reaction", "payload": {"msg_id": target, "react_icon": icon}}],
                quote_msg_id=target, delivery_state=None if by_customer else "sent", sent_at=when)


def anonymous_contact(session: Session, anonymous_id: str) -> OaContact:
    """The contact of an anonymous Zalo user, on a profile of its own with no identity (created once)."""
    key = ANONYMOUS_PREFIX + anonymous_id[:64 - len(ANONYMOUS_PREFIX)]
    contact = session.scalar(sa.select(OaContact).where(OaContact.oa_user_id == key))
    if contact is None:
        customer = Customer(source="zalo_anonymous", created_at=clock.now())
        session.add(customer)
        session.flush()
        contact = OaContact(oa_user_id=key, customer_id=customer.id, created_at=clock.now(),
                            enrichment_queued=True)  # never asked of /user/detail: not an OA user id
        session.add(contact)
        session.flush()
    contact.customer_id = live(session.get(Customer, contact.customer_id)).id
    return contact


def on_anonymous_message(app: Flask, session: Session, payload: dict, when: dt.datetime) -> None:
    anonymous_id, message = _id(payload, "sender"), _part(payload, "message")
    if not anonymous_id:
        raise UnknownEvent("anonymous message without the sender's anonymous id")
    conversation = customer_turn(session, anonymous_contact(session, anonymous_id), when, message.get("msg_id"))
    if conversation is None:
        return
    sender = {"type": "anonymous", "payload": {"anonymous_id": anonymous_id,
                                               "conversation_id": message.get("conversation_id")}}
    add_message(session, conversation, direction=INBOUND, author="customer",
                type=payload["event_name"].removeprefix("anonymous_send_"), text=message.get("text"),
                attachments=[*attachments_of(message), sender], zalo_msg_id=message.get("msg_id"), sent_at=when)


def on_feedback(app: Flask, session: Session, payload: dict, when: dt.datetime) -> None:
    uid = _id(payload, "sender") or str(payload.get("user_id") or "")
    if not uid:
        raise UnknownEvent("feedback without an OA user id (a rating by phone is not attached to a conversation)")
    feedback = _part(payload, "message") or {k: v for k, v in payload.items() if k in ("rate", "note", "feedbacks")}
    contact = upsert_contact(session, uid, payload.get("user_id_by_app"), source="oa_webhook")
    conversation = current_conversation(session, contact, reopen=False, at=when)
    note = feedback.get("note")
    add_message(session, conversation, direction=INBOUND, author="customer_event", type="feedback",
                text=str(note) if note not in (None, "") else None,
                attachments=[{"type": "feedback", "payload": feedback}],
                quote_msg_id=str(feedback.get("msg_id") or "") or None, sent_at=when)


def on_tag_change(app: Flask, session: Session, payload: dict, when: dt.datetime) -> None:
    """A tag set or removed in Zalo's OA manager, applied to the local profiles (not mirrored back)."""
    tag = _part(payload, "tag")
    name, present = str(tag.get("name") or "").strip(), payload["event_name"] == "add_user_to_tag"
    user_ids = [str(u) for u in tag.get("user_ids") or [] if isinstance(u, (str, int)) and not isinstance(u, bool)]
    if not name or len(name) > TAG_NAME_LENGTH or not user_ids:
        raise UnknownEvent(f"tag event without users or with a name that is empty or over {TAG_NAME_LENGTH} "
                           "characters")
    row = ensure_tag(session, name) if present else session.scalar(sa.select(Tag).where(Tag.name == name))
    if row is None:
        return  # removing a tag we never had
    app_user_id = payload.get("user_id_by_app") if len(user_ids) == 1 else None
    for uid in user_ids:
        contact = upsert_contact(session, uid, app_user_id, source="oa_webhook")
        customer = live(session.get(Customer, contact.customer_id))
        if set_tag(session, customer, row, present, mirror=False):
            audit_record(session, "customer.tag" if present else "customer.untag", "customer", customer.ref,
                         tag=name, source="zalo_oa")


def ensure_tag(session: Session, name: str) -> Tag:
    """The local tag of that name, created if new (OA tags arrive by name)."""
    tag = session.scalar(sa.select(Tag).where(Tag.name == name))
    if tag is None:
        tag = Tag(name=name, created_at=clock.now())
        session.add(tag)
        session.flush()
    return tag


EXTRA_HANDLERS = {"user_reacted_message": on_reaction, "oa_reacted_message": on_reaction,
                  "user_feedback": on_feedback,
                  "add_user_to_tag": on_tag_change, "remove_user_from_tag": on_tag_change,
                  **{f"anonymous_send_{k}": on_anonymous_message for k in ANONYMOUS_KINDS}}
