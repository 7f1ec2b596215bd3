"""Staff reply with an image, a GIF or a file: `POST /api/v1/admin/conversations/<id>/media`.

Same access rules, claim and audit as the text reply (`inbox.staff_send`).
The order of work is what makes it safe:

1. the file is checked against Zalo's limits (422 naming `file`, nothing uploaded);
2. the reply is rehearsed in a transaction that is rolled back (access, claim,
   window): a reply Zalo would refuse is answered 409 before spending an upload
   of the OA's daily quota;
3. the file is uploaded to Zalo with no transaction open;
4. the message is queued in one transaction through the durable OA queue, which
   the worker sends like any other.

*Choice:* the upload happens in the request, not in the worker. The file then
never has to be stored in the database, and what the worker sends is an
ordinary queued message (retry, dead letter, replay, crash recovery). A crash
between 3 and 4 leaves an unused upload on Zalo's side (kept 7 days, then
dropped) and a failed request: nothing was queued, so nothing is sent, and
staff see the error and send again. A crash after 4 is the queue's case.
"""
from __future__ import annotations

import functools

import marshmallow as ma

from flask import current_app, request

from ...errors import Problem, ValidationProblem
from ...extensions import db
from ...models import Customer
from ...schemas.inbox import MessageSchema
from ...schemas.inbox_media import MediaReplyForm, MediaReplyRequest
from ...services.oa import media as oa_media
from ...services.oa.outbound import OutboundRefused, contact_for_customer, queue_message
from ...services.transactions import run_in_transaction
from ...services.oa.tokens import OaNotConnected, TokenRefreshFailed
from ...zalo import oa_media as zalo_media
from ...zalo.http import ZaloError, ZaloUnavailable
from .access import STAFF_SECURITY, require
from .inbox import HANDLERS, blp, staff_send

# The largest file Zalo takes is 5 MB; bodies up to twice that are read so an over-size file gets a 422 naming
# the limit; beyond, 413 without reading it.
BODY_LIMIT = 2 * max(limit for _, limit in oa_media.LIMITS.values()) + 64 * 1024


def _large_body(view):
    """Let this route read bodies up to BODY_LIMIT (the application's default is 256 KiB)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        request.max_content_length = BODY_LIMIT
        return view(*args, **kwargs)
    return wrapper


def _queue(media: oa_media.Media, upload_id: str | None, caption: str | None):
    """`queue(conversation)` for `staff_send`; without `upload_id` it only checks the customer can be reached."""
    def queue(conversation):
        customer = db.session.get(Customer, conversation.customer_id)
        contact = contact_for_customer(db.session, customer)
        if contact is None:
            raise OutboundRefused("The customer has no Zalo OA conversation (no OA user id known).", "no_oa_contact")
        message = oa_media.message_for(media, upload_id or "rehearsal", caption)
        return queue_message(db.session, contact, message, reason="staff_reply", text=caption, author="staff",
                             type_=media.kind, attachments=[oa_media.stored_attachment(media, upload_id or "")])
    return queue


@blp.route("/conversations/<int:conversation_id>/media", methods=["POST"])
@_large_body
@require(roles=HANDLERS)
@blp.arguments(MediaReplyRequest, location="files", content_type="multipart/form-data")
@blp.response(201, MessageSchema)
@blp.alt_response(409, description="Held by someone else (named), closed, or outside Zalo's messaging window")
@blp.alt_response(413, description="Body over 10 MB")
@blp.alt_response(422, description="File type or size outside Zalo's limits (`file`), caption invalid (`text`)")
@blp.alt_response(502, description="Zalo refused the upload")
@blp.alt_response(503, description="Zalo unreachable, or the OA not connected")
@blp.doc(security=STAFF_SECURITY)
def reply_media(files, conversation_id):
    """Send an image (JPG/PNG ≤ 1 MB), a GIF (≤ 5 MB) or a file (PDF/DOC/DOCX ≤ 5 MB) through the OA.

    Checked before anything is uploaded; uploaded to Zalo, then queued like a text reply (window-checked,
    claimed, audited). An image or GIF may have a caption (`text`); a file may not.
    """
    try:  # one documented multipart body; webargs reads one location per schema
        form = MediaReplyForm().load(request.form.to_dict())
    except ma.ValidationError as exc:
        raise ValidationProblem(exc.messages) from exc
    upload = files["file"]
    try:
        with upload.stream:  # large parts are spooled to a temporary file: closed as soon as read
            media = oa_media.check(upload.filename or "", upload.read())
    except oa_media.MediaRefused as exc:
        raise ValidationProblem({"file": [str(exc)]}, f"file: {exc}") from exc
    caption = form.get("text")
    if caption and media.kind == "file":
        raise ValidationProblem({"text": ["A file message carries no caption on Zalo; send the text separately."]})
    try:  # the rehearsal: every refusal the real reply could meet, with nothing kept
        staff_send(conversation_id, form["take_over"], _queue(media, None, caption), "conversation.reply")
    finally:
        db.session.rollback()
    try:
        upload_id = zalo_media.upload(current_app.extensions["zalo_oa"], media.kind, media.filename, media.data,
                                      media.content_type)
    except ZaloError as exc:
        raise Problem(502, f"Zalo refused the upload (error {exc.code}: {exc.message}).") from exc
    except (ZaloUnavailable, OaNotConnected, TokenRefreshFailed) as exc:
        raise Problem(503, f"The file could not be uploaded to Zalo: {exc}", headers={"Retry-After": "30"}) from exc
    return run_in_transaction(db.session, lambda: staff_send(
        conversation_id, form["take_over"], _queue(media, upload_id, caption), "conversation.reply",
        {"media": media.kind, "size": len(media.data)}))
