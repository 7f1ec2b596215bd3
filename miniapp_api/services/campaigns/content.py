"""What one recipient reads: the campaign's text with its variables filled, and ZNS parameters from the profile.

Variables: `{ten_khach}` the customer's name (full name, else Zalo name), `{link}` the recipient's tracked link.
A fallback follows a bar, `{ten_khach|bạn}`; without one a missing name reads "anh/chị".
"""
from __future__ import annotations

import re
from typing import Mapping

from ...models import Customer

VARIABLE = re.compile(r"\{(ten_khach|link)(?:\|([^{}]{0,40}))?\}")
DEFAULT_NAME = "anh/chị"
# ZNS parameters may take these profile fields ("customer.full_name"); anything else is a literal value.
PROFILE_FIELDS = {"customer.full_name", "customer.zalo_display_name", "customer.email", "customer.province",
                  "customer.ref"}


def variables_in(text: str) -> set[str]:
    return {found.group(1) for found in VARIABLE.finditer(text or "")}


def render(text: str, customer: Customer, link: str | None) -> str:
    def fill(found: re.Match) -> str:
        name, fallback = found.group(1), found.group(2)
        if name == "link":
            return link or ""
        return customer.full_name or customer.zalo_display_name or (fallback if fallback is not None else DEFAULT_NAME)

    return VARIABLE.sub(fill, text)


def zns_data(params: Mapping[str, str], customer: Customer) -> dict:
    """Each template parameter from its profile field, or the literal given; a missing field is empty."""
    data = {}
    for name, source in params.items():
        data[name] = (getattr(customer, source.removeprefix("customer."), None) or "") \
            if source in PROFILE_FIELDS else source
    return data
