"""Connector credentials encrypted at rest, keyed from SECRET_KEY.

The Fernet key is derived with HKDF (a distinct `info` per purpose), so the
raw SECRET_KEY never encrypts anything itself and rotating it is one setting.
"""
from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PURPOSE = b"miniapp-api/crm-connector-credentials/v1"


class CredentialsUnreadable(Exception):
    """The stored credentials cannot be decrypted with this SECRET_KEY (was it changed?)."""


def _fernet(secret_key: str) -> Fernet:
    if not secret_key:
        raise CredentialsUnreadable("SECRET_KEY is empty")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_credentials(secret_key: str, credentials: dict[str, str]) -> str:
    return _fernet(secret_key).encrypt(json.dumps(credentials, sort_keys=True).encode()).decode()


def decrypt_credentials(secret_key: str, token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        return json.loads(_fernet(secret_key).decrypt(token.encode()))
    except InvalidToken as exc:
        raise CredentialsUnreadable() from exc
