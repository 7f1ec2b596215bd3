"""The one JSON decoder for request bodies: strict UTF-8 JSON, nested at most `MAX_DEPTH` levels.

Python's decoder recurses once per level, so a 10 KB body of 5,000 nested
brackets raised RecursionError (a 500) wherever a body was read. Flask's
`request.get_json`, webargs (through the check in `api/edge.py`) and the
webhooks that verify a signature over the raw bytes all decode through `loads`.
"""
from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider

# Our deepest body (a segment filter) is 3 levels; Zalo events about 4. Room to spare, far from recursion.
MAX_DEPTH = 32


class NotJson(ValueError):
    """The body is not a JSON document we accept."""


def loads(data: bytes | str) -> Any:
    """Decode a body, or raise `NotJson` saying why."""
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
        value = json.loads(text)
    except UnicodeDecodeError as exc:
        raise NotJson("the body is not UTF-8") from exc
    except RecursionError as exc:
        raise NotJson(f"the body is nested more than {MAX_DEPTH} levels deep") from exc
    except ValueError as exc:
        raise NotJson(f"the body is not valid JSON ({exc})") from exc
    if _depth(value) > MAX_DEPTH:
        raise NotJson(f"the body is nested more than {MAX_DEPTH} levels deep")
    return value


def _depth(value: Any) -> int:
    """Nesting depth of arrays and objects, walked without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        pending.extend((child, level + 1) for child in children)
    return deepest


class JsonProvider(DefaultJSONProvider):
    """Flask's JSON, decoding through `loads` (so `request.get_json` has the same limits)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s)
