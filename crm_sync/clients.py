"""One client per connector, built from its row and kept for the life of the process.

The client (and its HTTP session and rate limiter) is rebuilt only when the
connector row changes, so the token bucket keeps its state between runs.
"""
from __future__ import annotations

import threading

from flask import Flask

from miniapp_api.models import Connector

from .connectors import load_kind
from .connectors.base import ConnectorClient, ConnectorSettings
from .connectors.http import ConnectorHttp
from .credentials import decrypt_credentials
from .ratelimit import TokenBucket

_lock = threading.Lock()


def _version(connector: Connector) -> tuple:
    return (connector.updated_at, connector.base_url, connector.credentials_encrypted, connector.kind)


def build_client(secret_key: str, connector: Connector) -> ConnectorClient:
    settings = ConnectorSettings(name=connector.name, base_url=connector.base_url,
                                 credentials=decrypt_credentials(secret_key, connector.credentials_encrypted),
                                 field_mapping=dict(connector.field_mapping or {}),
                                 events=tuple(connector.events or ()))
    http = ConnectorHttp(connector.base_url, (connector.connect_timeout, connector.read_timeout),
                         TokenBucket(connector.rate_limit_per_second),
                         headers={"User-Agent": "zalo-miniapp-backend crm-sync"})
    return load_kind(connector.kind)(settings, http)


def client_for(app: Flask, connector: Connector) -> ConnectorClient:
    cache = app.extensions.setdefault("crm_clients", {})
    version = _version(connector)
    with _lock:
        entry = cache.get(connector.id)
        if entry is not None and entry[0] == version:
            return entry[1]
        if entry is not None:
            entry[1].http.close()
        client = build_client(app.config["SECRET_KEY"], connector)
        cache[connector.id] = (version, client)
        return client


def close_clients(app: Flask) -> None:
    """Close every pooled connection (tests and shutdown)."""
    with _lock:
        for _, client in app.extensions.pop("crm_clients", {}).values():
            client.http.close()
