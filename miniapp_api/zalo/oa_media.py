"""OA API calls for media and history: uploads, the recent-chat list and the OA's tag list.

Kept beside `zalo/oa.py` (messages, users, tags per user) and calling through
the same `OaClient`, so a rejected token is refreshed and the call retried
once here too. Shapes: Zalo's pages "Upload hình ảnh", "Upload file",
"Upload ảnh GIF", "Lấy thông tin Tin nhắn gần nhất" and the tag API (docs/oa.md
lists each with its source).
"""
from __future__ import annotations

import json

from .http import ZaloUnavailable
from .oa import OaClient

UPLOAD_PATHS = {"image": "/v2.0/oa/upload/image", "gif": "/v2.0/oa/upload/gif", "file": "/v2.0/oa/upload/file"}
UPLOAD_ANSWER = {"image": "attachment_id", "gif": "attachment_id", "file": "token"}


def upload(client: OaClient, kind: str, filename: str, data: bytes, content_type: str) -> str:
    """Upload one file (multipart part `file`); returns its `attachment_id` (image, gif) or `token` (file)."""
    body = client._call("POST", UPLOAD_PATHS[kind], files={"file": (filename, data, content_type)})
    value = (body.get("data") or {}).get(UPLOAD_ANSWER[kind])
    if not isinstance(value, str) or not value:
        raise ZaloUnavailable(f"upload/{kind}: the answer carries no {UPLOAD_ANSWER[kind]}")
    return value


def recent_chats(client: OaClient, offset: int, count: int = 10) -> list[dict]:
    """`/v2.0/oa/listrecentchat`: the latest messages of the OA's conversations, newest first (`count` ≤ 10)."""
    body = client._call("GET", "/v2.0/oa/listrecentchat", params={"data": json.dumps({"offset": offset, "count": count})})
    data = body.get("data")
    return [entry for entry in data if isinstance(entry, dict)] if isinstance(data, list) else []


def oa_tags(client: OaClient) -> list[str]:
    """`/v2.0/oa/tag/gettagsofoa`: the names of the OA's tags."""
    data = client._call("GET", "/v2.0/oa/tag/gettagsofoa").get("data")
    return [str(name) for name in data if isinstance(name, (str, int))] if isinstance(data, list) else []
