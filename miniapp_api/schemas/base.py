"""The input rules every request passes, whatever schema reads it: text both databases can store, times they
can hold.

PostgreSQL refuses NUL in text, neither database driver can encode an unpaired
surrogate, and other control characters have no place in names, notes or
filters. Every schema inherits `Schema`, whose check walks the whole input
(keys and values, nested or not) before any field is read, so no field can
forget it; path parameters and the query string get the same check in
`api/edge.py`.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import marshmallow as ma
from marshmallow import fields

# C0 controls except tab, line feed and carriage return; every UTF-16 surrogate (in a Python str only an
# unpaired one can occur: json.loads joins proper pairs into one character).
UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
DATABASE_REFUSES = re.compile(r"[\x00\ud800-\udfff]")  # what PostgreSQL or a driver cannot store at all
UNSTORABLE_MESSAGE = "Must not contain NUL, other control characters or unpaired surrogates."

# The times a filter or a cursor may name: those this system can have recorded, with room to spare. Outside
# it, a far date with a UTC offset (0001-01-01T00:00+14:00) would overflow on its way to UTC.
EARLIEST_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
LATEST_TIME = dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)
TIME_RANGE_MESSAGE = "Must be an ISO-8601 time with a UTC offset between 2000-01-01 and 2100-01-01 (UTC)."


def unstorable_text(value, path: str = "") -> dict[str, list[str]]:
    """`{field path: [message]}` for every string in `value` (keys included, at any depth) that cannot be
    stored; empty when all is well. Paths are dotted: `values.note`, `filter.tags.0`."""
    problems: dict[str, list[str]] = {}
    pending = [(path, value)]
    while pending:
        where, item = pending.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                problems[where or "body"] = [UNSTORABLE_MESSAGE]
        elif isinstance(item, Mapping):
            for key in item:
                name = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and UNSTORABLE.search(key):
                    problems[UNSTORABLE.sub("?", name)] = [UNSTORABLE_MESSAGE]
                    continue
                pending.append((name, _values(item, key)))
        elif isinstance(item, (list, tuple)):
            pending.extend((f"{where}.{index}" if where else str(index), element)
                           for index, element in enumerate(item))
    return problems


def storable_copy(value):
    """`value` with NUL and unpaired surrogates replaced by U+FFFD in every string, keys included.

    For what we must take as sent rather than refuse: a signed Zalo event is
    valid JSON, and a customer's message keeps its text with a visible mark
    where the unstorable character was.
    """
    if isinstance(value, str):
        return DATABASE_REFUSES.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable_copy(key): storable_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable_copy(item) for item in value]
    return value


def _values(mapping: Mapping, key):
    """All values of `key`: a query string may repeat it (webargs hands schemas a multidict)."""
    getlist = getattr(mapping, "getlist", None)
    values = getlist(key) if getlist is not None else [mapping[key]]
    return values[0] if len(values) == 1 else values


def within_time_range(value: dt.datetime) -> None:
    if not EARLIEST_TIME <= value < LATEST_TIME:
        raise ma.ValidationError(TIME_RANGE_MESSAGE)


def moment(**kwargs) -> fields.AwareDateTime:
    """An input time: ISO-8601 with a UTC offset, inside the range a database round trip survives."""
    return fields.AwareDateTime(validate=within_time_range, **kwargs)


class Schema(ma.Schema):
    """Base of every schema of this API: unstorable text anywhere in the input is a 422 naming the field."""

    @ma.pre_load
    def _storable_text(self, data, **kwargs):
        if problems := unstorable_text(data):
            raise ma.ValidationError(problems)
        return data
