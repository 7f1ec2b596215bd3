"""The consoles' change feed as the staff API shows it."""
from __future__ import annotations

from marshmallow import fields, validate

from ..models.console_change import KINDS
from .base import Schema

MAX_CHANGE_ID = 2**63 - 1


class ChangesQuery(Schema):
    after = fields.Integer(validate=validate.Range(min=0, max=MAX_CHANGE_ID),
                           metadata={"description": "`cursor` of the previous answer; leave out to start"})


class HolderSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ChangeSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS),
                         metadata={"description": "conversation: assignment, status or waiting changed; message: a "
                                                  "customer or staff message; note: an internal note; "
                                                  "message.status: a delivery state (sent, received, seen, failed)"})
    conversation_id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    held_by = fields.Nested(HolderSchema, metadata={
        "description": "Agents only: the colleague who holds this conversation now, when it is not the reader "
                       "(it was just taken from them or from the unassigned queue). The conversation itself "
                       "answers 404 to them from now on."})


class ChangesPage(Schema):
    changes = fields.List(fields.Nested(ChangeSchema), required=True,
                          metadata={"description": "New changes, and again those of the last seconds (a late "
                                                   "commit may have come in below the cursor): drop ids seen"})
    cursor = fields.Integer(required=True, metadata={"description": "Pass as `after` next time"})
    reset = fields.Boolean(required=True, metadata={"description": "The cursor is too old or unknown: reload "
                                                                   "what you show, then go on from `cursor`"})
