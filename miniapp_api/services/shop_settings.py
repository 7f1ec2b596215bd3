"""The shop's settings an owner edits in the console: the welcome message and business hours.

Each has an environment default (its config name: docs/oa.md "Welcome message", docs/metrics.md). A value
saved through the API is stored in `shop_setting` and wins over it, so every web and worker process sees the
change at once, without a restart or an edit of the environment. Saving `null` goes back to the environment's
value. Readers ask `effective()`, which costs one small query.
"""
from __future__ import annotations

from collections import ChainMap
from typing import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import clock
from ..config import WELCOME_TEXT_MAX
from ..models import ShopSetting
from .oa.auto_reply import RuleInvalid, parse_hours

# API name → config name
SETTINGS = {
    "welcome_enabled": "OA_WELCOME_ENABLED",
    "welcome_kind": "OA_WELCOME_KIND",
    "welcome_lang": "OA_WELCOME_LANG",
    "welcome_text_vi": "OA_WELCOME_TEXT_VI",
    "welcome_text_en": "OA_WELCOME_TEXT_EN",
    "welcome_form_link": "OA_WELCOME_FORM_LINK",
    "business_hours": "BUSINESS_HOURS",
}


class SettingsInvalid(Exception):
    """{field: [message]} for what cannot be saved."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid shop settings")
        self.errors = errors


def _stored(session: Session) -> dict[str, object]:
    return {row.name: row.value for row in session.scalars(sa.select(ShopSetting))}


def effective(session: Session, config: Mapping) -> Mapping:
    """`config` with the values saved in the console laid over it (same config names)."""
    return ChainMap({SETTINGS[name]: value for name, value in _stored(session).items() if name in SETTINGS}, config)


def current(session: Session, config: Mapping) -> dict:
    """{"settings": {api name: value}, "from_console": [names saved in the console]}."""
    stored = _stored(session)
    values = {name: stored.get(name, config[key]) for name, key in SETTINGS.items()}
    return {"settings": values, "from_console": sorted(name for name in stored if name in SETTINGS)}


def update(session: Session, config: Mapping, changes: dict) -> list[str]:
    """Save `changes` ({api name: value or None to go back to the environment}); returns the names changed.

    Checked together with what is already in force, as the start-up check does for the environment: the two
    welcome texts share `WELCOME_TEXT_MAX` characters, and business hours must parse.
    """
    before = _stored(session)
    after = {**before, **{name: value for name, value in changes.items() if value is not None}}
    for name, value in changes.items():
        if value is None:
            after.pop(name, None)
    _check({name: after.get(name, config[key]) for name, key in SETTINGS.items()}, changes)
    changed = [name for name in changes if before.get(name) != after.get(name)]
    for name in changed:
        row = session.get(ShopSetting, name)
        if name not in after:
            session.delete(row)
        elif row is None:
            session.add(ShopSetting(name=name, value=after[name], updated_at=clock.now()))
        else:
            row.value, row.updated_at = after[name], clock.now()
    session.flush()
    return changed


def _check(values: dict, changes: dict) -> None:
    errors: dict[str, list[str]] = {}
    if len(values["welcome_text_vi"] or "") + len(values["welcome_text_en"] or "") > WELCOME_TEXT_MAX:
        field = next((name for name in ("welcome_text_vi", "welcome_text_en") if name in changes), "welcome_text_vi")
        errors[field] = [f"The two welcome texts together are at most {WELCOME_TEXT_MAX} characters (Zalo takes "
                         "2000 per message, and the form link needs room)."]
    if values["business_hours"]:
        try:
            parse_hours(values["business_hours"])
        except RuleInvalid as exc:
            errors["business_hours"] = [str(exc)]
    if errors:
        raise SettingsInvalid(errors)
