"""Configuring connectors: validated create-or-update, credentials encrypted on the way in."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from miniapp_api import clock
from miniapp_api.models import Connector

from .connectors import load_kind
from .credentials import decrypt_credentials, encrypt_credentials
from .schedule import trigger_for
from .retries import parse_retry_schedule


class InvalidConnector(ValueError):
    """The connector settings do not make sense for its kind."""


UPDATABLE = ("base_url", "field_mapping", "events", "schedule", "batch_size", "batch_calls", "rate_limit_per_second",
             "connect_timeout", "read_timeout", "pull_orders", "retry_schedule")


def save_connector(session: Session, secret_key: str, name: str, kind: str | None = None,
                   credentials: dict | None = None, **settings) -> tuple[Connector, bool]:
    """Create the connector, or update the settings given (others stay); returns (connector, created).

    Credentials given are merged into the stored ones, so rotating one key
    does not require re-entering the others.
    """
    unknown = set(settings) - set(UPDATABLE)
    if unknown:
        raise InvalidConnector(f"unknown settings: {', '.join(sorted(unknown))}")
    settings = {k: v for k, v in settings.items() if v is not None}
    connector = session.scalar(sa.select(Connector).where(Connector.name == name))
    created = connector is None
    if created:
        if not kind or not settings.get("base_url"):
            raise InvalidConnector("a new connector needs --kind and --url")
        connector = Connector(name=name, kind=kind, created_at=clock.now(), field_mapping={}, events=[],
                              **_scalar_defaults())
        session.add(connector)
    elif kind and kind != connector.kind:
        raise InvalidConnector(f"{name} is a {connector.kind} connector; remove it to change its kind")
    try:
        client_class = load_kind(connector.kind)
    except Exception as exc:
        raise InvalidConnector(str(exc)) from exc
    for key, value in settings.items():
        setattr(connector, key, value if key != "retry_schedule" else value or None)
    if created and not settings.get("events"):
        connector.events = list(client_class.default_events)
    if created and "rate_limit_per_second" not in settings and client_class.documented_rate_limit is not None:
        connector.rate_limit_per_second = client_class.documented_rate_limit
    _check(connector, client_class)
    stored = decrypt_credentials(secret_key, connector.credentials_encrypted)
    merged = {**stored, **(credentials or {})}
    missing = [c for c in client_class.required_credentials if not merged.get(c)]
    if missing:
        raise InvalidConnector(f"{connector.kind} needs credentials: {', '.join(missing)}")
    if merged != stored:
        connector.credentials_encrypted = encrypt_credentials(secret_key, merged)
    connector.updated_at = clock.now()
    session.flush()
    return connector, created


def _scalar_defaults() -> dict:
    """The model's column defaults, applied now so a new connector is checked with them."""
    return {column.key: column.default.arg for column in Connector.__table__.columns
            if column.default is not None and column.default.is_scalar}


def _check(connector: Connector, client_class) -> None:
    unsupported = set(connector.events) - set(client_class.supported_events)
    if unsupported:
        raise InvalidConnector(f"{connector.kind} cannot deliver {', '.join(sorted(unsupported))}; "
                               f"it supports {', '.join(client_class.supported_events)}")
    if connector.pull_orders and not client_class.can_pull_orders:
        raise InvalidConnector(f"{connector.kind} connectors cannot pull orders")
    if not 1 <= (connector.batch_size or 0) <= 1000:
        raise InvalidConnector("batch size must be between 1 and 1000")
    trigger_for(connector.schedule or "every 60s")
    try:
        parse_retry_schedule(connector.retry_schedule or "")
    except ValueError as exc:
        raise InvalidConnector(f"retry schedule: {exc}") from exc


def set_enabled(session: Session, name: str, enabled: bool) -> Connector:
    """Enable (which also lifts an auth pause) or disable a connector."""
    connector = session.scalar(sa.select(Connector).where(Connector.name == name))
    if connector is None:
        raise InvalidConnector(f"no connector named {name!r}")
    connector.enabled = enabled
    if enabled:
        connector.paused_reason = connector.disabled_reason = connector.failing_since = None
    connector.updated_at = clock.now()
    return connector
