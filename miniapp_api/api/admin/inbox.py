"""The shared inbox: list, read, claim, assign, reply, notes, close/reopen, search.

Reads are open to every role and to API keys with `conversations:read`; agents
only read conversations assigned to them or unassigned and open
(`services.staff.visibility`); any other answers 404, for reads and actions alike.
Of two staff taking the same conversation at once, the loser gets 409 naming
the winner, so two people never answer the same customer; admins may take
over explicitly.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_smorest import Blueprint

from ... import clock
from ...errors import Problem, ValidationProblem
from ...extensions import db
from ...models import Conversation, Customer, StaffUser
from ...models.conversation import CLOSED, OUTBOUND
from ...models.staff import ADMIN, AGENT, OWNER, VIEWER
from ...schemas.saved_replies import AssigneeSchema
from ...schemas.inbox import (AssignRequest, ConversationDetail, ConversationPage, ConversationQuery,
    ConversationSummary, InfoRequestRequest, MessageSchema, NoteRequest, ReplyRequest, SearchQuery, SearchResult)
from ...services import audit
from ...services.inbox import assignment as inbox_assign, query as inbox_query, reads, search
from ...services.forms.links import STAFF_REPLY, form_link
from ...services.oa.cards import queue_info_request
from ...services.oa.conversations import add_message
from ...services.oa.outbound import OutboundRefused, outbound_message, queue_text_message
from ...services.transactions import run_in_transaction
from .access import STAFF_SECURITY, current, require
from .inbox_problems import conflict_problem, outbound_problem

blp = Blueprint("admin_inbox", __name__, url_prefix="/api/v1/admin", description="Shared inbox (staff)")

READERS = (OWNER, ADMIN, AGENT, VIEWER)
HANDLERS = (OWNER, ADMIN, AGENT)
MANAGERS = (OWNER, ADMIN)
READ_SCOPE = "conversations:read"


def _staff() -> StaffUser | None:
    return current().staff


def _visible_conversation(conversation_id: int) -> Conversation:
    """The conversation if the caller may read it, else 404: an agent learns nothing of a conversation
    they cannot read (`services.staff.visibility`), neither that it exists nor who holds it."""
    visible = inbox_query.visible_to(_staff())
    conversation = db.session.scalar(sa.select(Conversation).where(
        Conversation.id == conversation_id, *([visible] if visible is not None else [])))
    if conversation is None:
        raise Problem(404, f"No conversation {conversation_id}.", title="Not Found")
    return conversation


def _act(conversation_id: int, action) -> dict:
    """Run `action(conversation)` in one transaction and answer with the conversation's summary."""
    def work():
        conversation = _visible_conversation(conversation_id)
        try:
            action(conversation)
        except inbox_assign.InboxConflict as exc:
            raise conflict_problem(exc) from exc
        return conversation.id

    run_in_transaction(db.session, work)
    conversation = db.session.get(Conversation, conversation_id)
    return inbox_query.summaries(db.session, [conversation], clock.now())[0]


@blp.route("/conversations")
@require(roles=READERS, scope=READ_SCOPE)
@blp.arguments(ConversationQuery, location="query")
@blp.response(200, ConversationPage)
@blp.doc(security=STAFF_SECURITY)
def list_conversations(query):
    """Conversations, newest activity first, filtered; page with `next_cursor`."""
    now = clock.now()
    try:
        rows, cursor = inbox_query.page(db.session, query, inbox_query.visible_to(_staff()), now)
    except inbox_query.BadCursor as exc:
        raise ValidationProblem({"cursor": [str(exc)]}) from exc
    page = {"items": inbox_query.summaries(db.session, rows, now)}
    if current().kind == "staff":
        unread = reads.unread_counts(db.session, current().id, [row.id for row in rows])
        for item in page["items"]:
            item["unread"] = unread.get(item["id"], 0)
    if cursor:
        page["next_cursor"] = cursor
    return page


@blp.route("/assignees")
@require(roles=MANAGERS)
@blp.response(200, AssigneeSchema(many=True))
@blp.doc(security=STAFF_SECURITY)
def list_assignees():
    """Active staff a conversation can be given to (owners, admins, agents), by name: the assign picker's list."""
    return db.session.scalars(sa.select(StaffUser).where(StaffUser.active.is_(True),
                                                         StaffUser.role.in_(HANDLERS)).order_by(StaffUser.name)).all()


@blp.route("/conversations/<int:conversation_id>")
@require(roles=READERS, scope=READ_SCOPE)
@blp.response(200, ConversationDetail)
@blp.alt_response(404, description="No such conversation, or not visible to this agent")
@blp.doc(security=STAFF_SECURITY)
def get_conversation(conversation_id):
    """Messages (with internal notes), timeline, the linked profile, its form submissions and orders."""
    return inbox_query.detail(db.session, _visible_conversation(conversation_id), clock.now())


@blp.route("/conversations/<int:conversation_id>/assign", methods=["POST"])
@require(roles=MANAGERS)
@blp.arguments(AssignRequest)
@blp.response(200, ConversationSummary)
@blp.alt_response(409, description="Closed conversation")
@blp.alt_response(422, description="Not an active staff member who can handle conversations")
@blp.doc(security=STAFF_SECURITY)
def assign_conversation(body, conversation_id):
    """Assign or reassign to an active owner, admin or agent."""
    def assign(conversation):
        staff = db.session.get(StaffUser, body["staff_id"])
        if staff is None or not staff.active or staff.role not in HANDLERS:
            raise ValidationProblem({"staff_id": ["Not an active owner, admin or agent."]})
        inbox_assign.assign(db.session, conversation, staff)

    return _act(conversation_id, assign)


def _action_route(name: str, endpoint: str, roles: tuple[str, ...], action, summary: str) -> None:
    """Register `POST /conversations/<id>/<name>`: one state change answered with the summary (409 on conflict)."""
    def view(conversation_id):
        return _act(conversation_id, action)

    view.__name__, view.__doc__ = endpoint, summary
    documented = blp.doc(security=STAFF_SECURITY)(
        blp.alt_response(409, description="Held by someone else (named), closed, or superseded")(view))
    blp.route(f"/conversations/<int:conversation_id>/{name}", methods=["POST"], endpoint=endpoint)(
        require(roles=roles)(blp.response(200, ConversationSummary)(documented)))


_action_route("claim", "claim_conversation", HANDLERS, lambda c: inbox_assign.claim(db.session, c, _staff()),
              "Take an unassigned conversation; of two claiming at once exactly one wins.")
_action_route("unassign", "unassign_conversation", MANAGERS, lambda c: inbox_assign.unassign(db.session, c),
              "Put the conversation back in the unassigned queue.")
_action_route("close", "close_conversation", HANDLERS, lambda c: inbox_assign.close(db.session, c),
              "Close and unassign; the customer's next message reopens it.")
_action_route("reopen", "reopen_conversation", MANAGERS, lambda c: inbox_assign.reopen(db.session, c),
              "Reopen a closed conversation (unassigned); refused when the customer has a newer one. "
              "Agents do not read closed conversations; the customer's next message reopens one for them.")


def _take_for_reply(conversation: Conversation, staff: StaffUser, take_over: bool) -> None:
    """Who may send to this customer: the holder; an unassigned conversation is claimed; taking over another
    holder's needs `take_over` (admins and owners). A conflict becomes its 409 problem."""
    try:
        if conversation.status == CLOSED:
            raise inbox_assign.closed_conflict(conversation)
        if conversation.assignee_id is None:
            inbox_assign.claim(db.session, conversation, staff)
        elif conversation.assignee_id != staff.id:
            if not take_over or staff.role == AGENT:  # agents never take over (nor see it)
                raise inbox_assign.owner_conflict(db.session, conversation)
            inbox_assign.assign(db.session, conversation, staff, reason="take_over")
    except inbox_assign.InboxConflict as exc:
        raise conflict_problem(exc) from exc


def staff_send(conversation_id: int, take_over: bool, queue, action: str, audit_detail: dict | None = None):
    """In the caller's transaction: take the conversation for the caller (claim, or take over when allowed),
    queue what `queue(conversation)` builds as their message, and audit it as `action`; problems for conflicts
    and refusals. Shared by the text reply, the info card and the media reply (`inbox_media`)."""
    conversation = _visible_conversation(conversation_id)
    staff = _staff()
    _take_for_reply(conversation, staff, take_over)
    try:
        row = queue(conversation)
    except OutboundRefused as exc:
        raise outbound_problem(exc, conversation.id) from exc
    message = outbound_message(db.session, row)
    message.author_staff_id = staff.id
    conversation.waiting_for_human, conversation.waiting_since = False, None
    audit.record(db.session, action, "conversation", conversation.id, message_id=message.id, **(audit_detail or {}))
    return message


def _staff_send(conversation_id: int, take_over: bool, queue, action: str):
    """`staff_send` in a transaction of its own."""
    return run_in_transaction(db.session, lambda: staff_send(conversation_id, take_over, queue, action))


@blp.route("/conversations/<int:conversation_id>/reply", methods=["POST"])
@require(roles=HANDLERS)
@blp.arguments(ReplyRequest)
@blp.response(201, MessageSchema)
@blp.alt_response(409, description="Held by someone else (named), closed, or outside Zalo's messaging window")
@blp.alt_response(422, description="Invalid text")
@blp.doc(security=STAFF_SECURITY)
def reply(body, conversation_id):
    """Send a text to the customer through the OA (window-checked); an unassigned conversation is claimed.

    Replying to a conversation someone else holds is refused unless `take_over` (admins and owners).
    """
    text = body["text"]
    if body["with_form_link"]:
        text = f"{text}\n{form_link(current_app.config, source=STAFF_REPLY)}"
    return _staff_send(conversation_id, body["take_over"], lambda conversation: queue_text_message(
        db.session, db.session.get(Customer, conversation.customer_id), text, reason="staff_reply",
        author="staff"), "conversation.reply")


@blp.route("/conversations/<int:conversation_id>/info-request", methods=["POST"])
@require(roles=HANDLERS)
@blp.arguments(InfoRequestRequest)
@blp.response(201, MessageSchema)
@blp.alt_response(409, description="Held by someone else (named), closed, or outside Zalo's messaging window")
@blp.doc(security=STAFF_SECURITY)
def send_info_request(body, conversation_id):
    """Send Zalo's request-user-info card: the customer shares name, phone and address in the chat.

    Their answer arrives as the `user_submit_info` webhook and lands on the profile (a shared phone is an
    unverified claim). Same rules as a reply: window-checked, claims an unassigned conversation, `take_over`
    for admins and owners. `title` (≤ 100) and `subtitle` (≤ 500) default to OA_INFO_REQUEST_TITLE/_SUBTITLE.
    """
    return _staff_send(conversation_id, body["take_over"], lambda conversation: queue_info_request(
        db.session, conversation.contact, current_app.config, reason="staff_reply", author="staff",
        title=body.get("title"), subtitle=body.get("subtitle")), "conversation.info_request")


@blp.route("/conversations/<int:conversation_id>/notes", methods=["POST"])
@require(roles=HANDLERS)
@blp.arguments(NoteRequest)
@blp.response(201, MessageSchema)
@blp.doc(security=STAFF_SECURITY)
def add_note(body, conversation_id):
    """An internal note for the team; never sent to the customer."""
    def work():
        conversation = _visible_conversation(conversation_id)
        note = add_message(db.session, conversation, direction=OUTBOUND, author="staff",
                           author_staff_id=_staff().id, internal=True, type="note", text=body["text"],
                           attachments=[])
        audit.record(db.session, "conversation.note", "conversation", conversation.id, message_id=note.id)
        return note

    return run_in_transaction(db.session, work)


@blp.route("/search")
@require(roles=READERS, scope=READ_SCOPE)
@blp.arguments(SearchQuery, location="query")
@blp.response(200, SearchResult)
@blp.doc(security=STAFF_SECURITY)
def search_inbox(query):
    """Customers (name, phone, email) and messages containing every word of `q`, ignoring diacritics and case."""
    terms = search.words(query["q"])
    if not terms:
        return {"customers": [], "messages": []}
    visible = inbox_query.visible_to(_staff())
    hits = search.find_messages(db.session, terms, query["limit"], visible)
    return {"customers": search.find_customers(db.session, terms, query["limit"], visible),
            "messages": [{"conversation_id": c.id, "customer_id": c.customer_id, "message": m} for m, c in hits]}
