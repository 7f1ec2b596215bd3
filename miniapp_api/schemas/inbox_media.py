"""The media reply's multipart form: the file, an optional caption, and whether to take over."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from .base import Schema


class MediaReplyForm(Schema):
    text = fields.String(validate=validate.Length(min=1, max=2000), metadata={
        "description": "Caption under an image or GIF (a file carries none), 1–2000 characters"})
    take_over = fields.Boolean(load_default=False, metadata={
        "description": "Reply even though someone else holds the conversation, taking it over (admins)"})


class MediaReplyRequest(MediaReplyForm):
    """The whole multipart body, as documented; `file` is read from its files, the rest from its form fields."""

    file = Upload(required=True, metadata={
        "description": "JPG/PNG image ≤ 1 MB, GIF ≤ 5 MB, or PDF/DOC/DOCX file ≤ 5 MB (Zalo's limits)"})
