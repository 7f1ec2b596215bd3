"""Connector kinds. A kind is one module here exposing `Client`, a `ConnectorClient` subclass.

`load_kind("shopone")` imports `crm_sync.connectors.shopone` and returns its
`Client`; nothing else needs to know a new kind exists (docs/connectors.md).
"""
from __future__ import annotations

import importlib
import pkgutil

from .base import ConnectorClient

NOT_KINDS = {"base", "http", "mapping", "shopify_like"}


class UnknownKind(Exception):
    """No connector module of that kind exists."""


def available_kinds() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in NOT_KINDS)


def load_kind(kind: str) -> type[ConnectorClient]:
    if kind not in available_kinds():
        raise UnknownKind(f"unknown connector kind {kind!r}; known: {', '.join(available_kinds())}")
    return importlib.import_module(f"{__name__}.{kind}").Client
