"""Zalo's upload endpoints (`/v2.0/oa/upload/{image,file,gif}`) and the ids they issue.

Shapes from Zalo's pages "Upload hình ảnh", "Upload file", "Upload ảnh GIF"
(developers.zalo.me/docs/official-account/tin-nhan/quan-ly-tin-nhan/…): a
multipart/form-data body whose binary part is named `file` (the GIF page's
curl example names it `image`, its table `file`: both are taken there), the
`access_token` header, and `data.attachment_id` (image, GIF) or `data.token`
(file) back. Limits as those pages state them: images jpg/png ≤ 1 MB, GIFs
≤ 5 MB, files PDF/DOC/DOCX ≤ 5 MB. The pages name no error code for a file
that breaks them, so the emulator answers Zalo's "invalid parameter" (-201).
The kind of a file is read from its first bytes, not from the name a client
gives it, as a server must. *Deliberately* not shared with the backend's
`services/oa/media.py`: an emulator running the product's own check could
never catch the product's mistakes.

`refusal(state, message)` is what `/v3.0/oa/message/cs` asks: a media or file
message may only carry an `attachment_id`/`token` this emulator issued, for
the matching kind, as Zalo only knows its own.
"""
from __future__ import annotations

import secrets

from flask import Blueprint, current_app, request

from .oa import _error, _guard, _ok

blp = Blueprint("oa_uploads", __name__)

MB = 1024 * 1024
# kind → (accepted formats, byte limit, what the answer carries)
LIMITS = {"image": (("jpg", "png"), 1 * MB, "attachment_id"),
          "gif": (("gif",), 5 * MB, "attachment_id"),
          "file": (("pdf", "doc", "docx"), 5 * MB, "token")}


def sniff(data: bytes, filename: str) -> str | None:
    """The format of `data` from its signature: jpg, png, gif, pdf, doc or docx (a zip named .docx)."""
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


def issued(state) -> dict[str, str]:
    """Ids this emulator handed out: attachment_id or token → the upload kind."""
    with state.lock:
        return state.__dict__.setdefault("uploads_issued", {})


def _upload(kind: str):
    if (error := _guard()) is not None:
        return error
    state = current_app.config["ZALO_STATE"]
    part = request.files.get("file") or (request.files.get("image") if kind == "gif" else None)
    if part is None:
        return _error(-201, "file is required (multipart/form-data part `file`)")
    data = part.read()
    formats, limit, key = LIMITS[kind]
    if not data:
        return _error(-201, "file is empty")
    if len(data) > limit:
        return _error(-201, f"file is larger than {limit // MB}MB")
    if sniff(data, part.filename or "") not in formats:
        return _error(-201, f"file must be {'/'.join(formats)}")
    value = secrets.token_urlsafe(30)
    with state.lock:
        issued(state)[value] = kind
        state.__dict__.setdefault("uploads", []).append({"kind": kind, key: value, "size": len(data),
                                                         "filename": part.filename, "data": data})
    return _ok({key: value})


@blp.post("/v2.0/oa/upload/image")
def upload_image():
    return _upload("image")


@blp.post("/v2.0/oa/upload/gif")
def upload_gif():
    return _upload("gif")


@blp.post("/v2.0/oa/upload/file")
def upload_file():
    return _upload("file")


def refusal(state, message: dict) -> str | None:
    """Why Zalo would refuse the attachment of a CS message (unknown id, wrong kind), else None."""
    attachment = message.get("attachment") if isinstance(message.get("attachment"), dict) else {}
    payload = attachment.get("payload") if isinstance(attachment.get("payload"), dict) else {}
    known = issued(state)
    if attachment.get("type") == "file":
        return None if known.get(str(payload.get("token"))) == "file" else "file token is invalid"
    if payload.get("template_type") != "media":
        return None
    for element in payload.get("elements") or []:
        if not isinstance(element, dict) or "attachment_id" not in element:
            continue
        media_type = element.get("media_type")
        if media_type not in ("image", "gif"):
            continue  # stickers name Zalo's own catalogue, not an upload
        if known.get(str(element["attachment_id"])) != media_type:
            return "attachment_id is invalid"
        if media_type == "gif" and not all(isinstance(element.get(k), int) for k in ("width", "height")):
            return "width and height are required for a gif"
    return None
