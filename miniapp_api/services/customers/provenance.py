"""Who set each profile field, so a value a customer types never overwrites what staff or a CRM set.

A profile field (or one attribute key, written "attributes.<key>") carries its origin in
`Customer.field_sources`: BY_STAFF or BY_CRM (trusted), or nothing, which means the customer
provided it through their own Zalo account. Every write to a profile field goes through here:
channel facts (`apply_facts`), staff edits (`set_field`) and merges (`take_over`).
"""
from __future__ import annotations

from ...models import Customer, CustomerIdentity
from ...models.customer import BY_CUSTOMER, TRUSTED_ORIGINS

PROFILE_FIELDS = ("full_name", "zalo_display_name", "avatar_url", "email", "province", "address")
ATTRIBUTE = "attributes."
# Identity sources (`CustomerIdentity.source`, before any ":") that staff or a CRM wrote.
TRUSTED_IDENTITY_SOURCES = ("staff", "crm")


def origin_of(customer: Customer, key: str) -> str:
    return (customer.field_sources or {}).get(key, BY_CUSTOMER)


def is_trusted(customer: Customer, key: str) -> bool:
    return origin_of(customer, key) in TRUSTED_ORIGINS


def has_trusted_fields(customer: Customer) -> bool:
    return any(origin in TRUSTED_ORIGINS for origin in (customer.field_sources or {}).values())


def value_of(customer: Customer, key: str):
    if key.startswith(ATTRIBUTE):
        return (customer.attributes or {}).get(key.removeprefix(ATTRIBUTE))
    return getattr(customer, key)


def set_field(customer: Customer, key: str, value, origin: str) -> bool:
    """Write one field with its origin (None removes an attribute); returns whether the value changed."""
    changed = value_of(customer, key) != value
    if key.startswith(ATTRIBUTE):
        name = key.removeprefix(ATTRIBUTE)
        attributes = {k: v for k, v in (customer.attributes or {}).items() if k != name}
        customer.attributes = attributes if value is None else {**attributes, name: value}
    else:
        setattr(customer, key, value)
    sources = {k: v for k, v in (customer.field_sources or {}).items() if k != key}
    if origin != BY_CUSTOMER and value is not None:
        sources[key] = origin
    if sources != (customer.field_sources or {}):
        customer.field_sources = sources
    return changed


def offer(customer: Customer, key: str, value, origin: str, *, fill_only: bool = False) -> bool:
    """Set a field a channel learned, unless that would erase it or overwrite what a trusted origin set."""
    if value in (None, "") or value_of(customer, key) == value:
        return False
    if value_of(customer, key) not in (None, "") and (
            fill_only or (origin not in TRUSTED_ORIGINS and is_trusted(customer, key))):
        return False
    return set_field(customer, key, value, origin)


def fact_keys(facts: dict) -> list[tuple[str, object]]:
    pairs = [(name, facts.get(name)) for name in PROFILE_FIELDS]
    return pairs + [(ATTRIBUTE + k, v) for k, v in (facts.get("attributes") or {}).items()]


def apply_facts(customer: Customer, facts: dict, origin: str = BY_CUSTOMER, *, fill_only: bool = False) -> bool:
    """Set profile fields the caller knows; empty values never erase, typed values never beat trusted ones."""
    changed = False
    for key, value in fact_keys(facts):
        changed |= offer(customer, key, value, origin, fill_only=fill_only)
    return changed


def take_over(survivor: Customer, merged: Customer) -> None:
    """A merge keeps the survivor's fields, except where it has none or the merged profile's are trusted."""
    keys = [*PROFILE_FIELDS, *(ATTRIBUTE + k for k in (merged.attributes or {}))]
    for key in keys:
        value = value_of(merged, key)
        if value in (None, ""):
            continue
        empty = value_of(survivor, key) in (None, "")
        if empty or (is_trusted(merged, key) and not is_trusted(survivor, key)):
            set_field(survivor, key, value, origin_of(merged, key))


def self_provided(customer: Customer, key: str) -> bool:
    """Whether the customer gave this field themselves (what a Mini App user may see of a profile)."""
    return not is_trusted(customer, key)


def identity_from_trusted(identity: CustomerIdentity) -> bool:
    """Written by staff or a CRM (a staff-typed phone, a CRM's phone or customer id)."""
    return identity.source.partition(":")[0] in TRUSTED_IDENTITY_SOURCES
