"""Tracked links: `/r/<code>`, where the code is the recipient's row id signed with SECRET_KEY.

No personal data travels in the URL, a forged or altered code is refused, and a click is recorded once per
recipient (the first), however often the link is opened.
"""
from __future__ import annotations

from typing import Mapping

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "campaign-link"


def _signer(config: Mapping) -> URLSafeSerializer:
    return URLSafeSerializer(config["SECRET_KEY"], salt=SALT)


def link_for(config: Mapping, recipient_id: int) -> str:
    return f"{config['PUBLIC_BASE_URL'].rstrip('/')}/r/{_signer(config).dumps(recipient_id)}"


def recipient_for(config: Mapping, code: str) -> int | None:
    """The recipient id a code carries, or None when it is not one we signed."""
    try:
        value = _signer(config).loads(code)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
