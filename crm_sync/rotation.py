"""Rotating a connector's Standard Webhooks secret without a moment when the other side refuses us.

The new secret is shown once; the old one is kept, encrypted with the other credentials, as
`previous_<credential>` until `previous_<credential>_until` (now + CRM_SECRET_ROTATION_OVERLAP_HOURS). Until
then our deliveries carry two signatures (`webhook-signature: v1,<new> v1,<old>`, which Standard Webhooks allows
and every verifier accepts), so a receiver can switch to the new secret whenever it likes; and a CRM pushing
orders to us may sign with either. After the overlap only the new secret counts.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from miniapp_api import clock
from miniapp_api.models import Connector

from . import standard_webhooks
from .admin import InvalidConnector
from .connectors import load_kind
from .credentials import decrypt_credentials, encrypt_credentials


def _previous(credential: str) -> tuple[str, str]:
    return f"previous_{credential}", f"previous_{credential}_until"


def rotate_secret(session: Session, secret_key: str, name: str, overlap: dt.timedelta) -> tuple[str, dt.datetime]:
    """Give the connector a new secret; the old one stays valid for `overlap`. Returns (new secret, until)."""
    connector = session.scalar(sa.select(Connector).where(Connector.name == name))
    if connector is None:
        raise InvalidConnector(f"no connector named {name!r}")
    credential = load_kind(connector.kind).inbound_secret_credential
    if credential is None:
        raise InvalidConnector(f"{connector.kind} connectors have no webhook secret to rotate")
    credentials = decrypt_credentials(secret_key, connector.credentials_encrypted)
    secret, until = standard_webhooks.new_secret(), clock.now() + overlap
    old_key, until_key = _previous(credential)
    if credentials.get(credential):
        credentials[old_key], credentials[until_key] = credentials[credential], clock.iso_utc(until)
    credentials[credential] = secret
    connector.credentials_encrypted = encrypt_credentials(secret_key, credentials)
    connector.updated_at = clock.now()
    return secret, until


def secrets_in_force(credentials: dict, credential: str, now: dt.datetime) -> list[str]:
    """The secret, then the one it replaced while the overlap lasts."""
    old_key, until_key = _previous(credential)
    secrets = [credentials[credential]] if credentials.get(credential) else []
    until = credentials.get(until_key)
    if credentials.get(old_key) and until and now < dt.datetime.fromisoformat(until.replace("Z", "+00:00")):
        secrets.append(credentials[old_key])
    return secrets
