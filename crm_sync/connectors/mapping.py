"""Our customer snapshot in a remote's field names: `field_mapping` (remote field → dotted path in the snapshot),
with phones in the local `0…` form Vietnamese POS systems use. Shared by the CRM kinds."""
from __future__ import annotations

import phonenumbers

from miniapp_api.services.customers.phones import to_local_vn


def dig(snapshot: dict, path: str):
    """The value at a dotted path (`consents.marketing.granted`), or None."""
    value = snapshot
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def local_phone(value):
    """`+84912345678` → `0912345678`; anything else as it is."""
    if not (isinstance(value, str) and value.startswith("+")):
        return value
    try:
        return to_local_vn(value)
    except phonenumbers.NumberParseException:
        return value


def is_phone_path(path: str) -> bool:
    return path == "phone" or path.startswith("phones")


def mapped_body(snapshot: dict, mapping: dict) -> dict:
    """The remote's fields from the snapshot, phones written the local way."""
    return {remote: local_phone(dig(snapshot, path)) if is_phone_path(path) else dig(snapshot, path)
            for remote, path in mapping.items()}


def remote_field(mapping: dict, path: str) -> str | None:
    """The remote's name of one of our snapshot paths (`full_name` → `name`), to read a remote record back."""
    return next((remote for remote, ours in mapping.items() if ours == path), None)
