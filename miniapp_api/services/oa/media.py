"""Images and files staff send from a conversation: Zalo's limits, checked before anything is uploaded.

Zalo's upload pages set the limits (docs/oa.md): images jpg/png ≤ 1 MB
(`/v2.0/oa/upload/image`), GIFs ≤ 5 MB (`/upload/gif`), files PDF/DOC/DOCX
≤ 5 MB (`/upload/file`). A file is classified by its first bytes, not by the
name or content type the browser sent, so a renamed file is refused here with
the same words Zalo would use rather than after an upload. The message shapes
are Zalo's: the media template with the upload's `attachment_id` (a GIF also
needs its width and height) and the file attachment with the upload's `token`.
"""
from __future__ import annotations

import dataclasses
import struct

MB = 1024 * 1024
# kind → (formats accepted, byte limit)
LIMITS = {"image": (("jpg", "png"), 1 * MB), "gif": (("gif",), 5 * MB), "file": (("pdf", "doc", "docx"), 5 * MB)}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "pdf": "application/pdf",
                 "doc": "application/msword",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
KIND_OF_FORMAT = {fmt: kind for kind, (formats, _) in LIMITS.items() for fmt in formats}


class MediaRefused(Exception):
    """The file breaks Zalo's limits; the message says which, in words staff understand."""


@dataclasses.dataclass(frozen=True)
class Media:
    """A checked file: its upload kind (image, gif, file), format, name, bytes and, for a GIF, its size."""

    kind: str
    fmt: str
    filename: str
    data: bytes
    width: int | None = None
    height: int | None = None

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.fmt]


def sniff(data: bytes, filename: str) -> str | None:
    """jpg, png, gif, pdf, doc or docx (a zip named .docx) from the file's signature; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if data.startswith(b"PK\x03\x04") and filename.lower().endswith(".docx"):
        return "docx"
    return None


def check(filename: str, data: bytes) -> Media:
    """Classify and check a file against Zalo's limits; raises `MediaRefused`."""
    if not data:
        raise MediaRefused("The file is empty.")
    fmt = sniff(data, filename)
    if fmt is None:
        raise MediaRefused("Zalo accepts images (JPG, PNG), GIFs and PDF, DOC or DOCX files only.")
    kind = KIND_OF_FORMAT[fmt]
    limit = LIMITS[kind][1]
    if len(data) > limit:
        what = {"image": "An image (JPG/PNG)", "gif": "A GIF", "file": "A PDF/DOC/DOCX file"}[kind]
        raise MediaRefused(f"{what} may be at most {limit // MB} MB; this one is {len(data) / MB:.1f} MB.")
    width = height = None
    if kind == "gif":
        if len(data) < 10:
            raise MediaRefused("The GIF is truncated.")
        width, height = struct.unpack("<HH", data[6:10])  # the logical screen size, Zalo asks for it
    return Media(kind, fmt, filename or f"file.{fmt}", data, width, height)


def message_for(media: Media, upload_id: str, caption: str | None) -> dict:
    """The `message` of `/v3.0/oa/message/cs` for an uploaded file (a file carries no caption)."""
    if media.kind == "file":
        return {"attachment": {"type": "file", "payload": {"token": upload_id}}}
    element = {"media_type": media.kind, "attachment_id": upload_id}
    if media.kind == "gif":
        element.update(width=media.width, height=media.height)
    message = {"attachment": {"type": "template", "payload": {"template_type": "media", "elements": [element]}}}
    if caption:
        message["text"] = caption
    return message


def stored_attachment(media: Media, upload_id: str) -> dict:
    """What the conversation keeps of it: metadata staff see, never the bytes."""
    key = "token" if media.kind == "file" else "attachment_id"
    return {"type": media.kind, "payload": {key: upload_id, "name": media.filename, "size": len(media.data),
                                            "format": media.fmt}}
