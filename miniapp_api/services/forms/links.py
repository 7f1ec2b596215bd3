"""The one place that builds links opening the shop's form: the Zalo Mini App when the shop has one.

A Zalo Mini App opens at `https://zalo.me/s/<mini app id>/<path>?<query>`
(miniapp.zaloplatforms.com, "Tương tác, điều hướng tới Zalo Mini App"); a link
to our own server cannot run zmp-sdk inside Zalo. Without `ZALO_MINIAPP_ID`
(development, a shop without a Mini App) the link is the browser page Flask
serves, `PUBLIC_BASE_URL/miniapp/`. Both carry the same query: `form` (the
form's slug) and `utm_source` (which message the link was in), which the page
reads from its URL (docs/miniapp.md "Links that open the form").
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from urllib.parse import quote, urlencode

from .definitions import default_form_definition

MINIAPP_BASE = "https://zalo.me/s/"
# `utm_source` of each message kind that carries the link.
WELCOME, AUTO_REPLY, ORDER_STATUS, STAFF_REPLY = "oa_welcome", "oa_auto_reply", "order_status", "staff_reply"


@functools.cache
def default_slug() -> str:
    return default_form_definition()["slug"]


def form_link(config: Mapping, *, source: str, slug: str | None = None) -> str:
    """The link to `slug` (default: the shipped form), tagged with `source`, for `config`'s shop."""
    query = urlencode({"form": slug or default_slug(), "utm_source": source})
    miniapp_id = config.get("ZALO_MINIAPP_ID")
    if miniapp_id:
        return f"{MINIAPP_BASE}{quote(miniapp_id, safe='')}/?{query}"
    return f"{config['PUBLIC_BASE_URL'].rstrip('/')}/miniapp/?{query}"
