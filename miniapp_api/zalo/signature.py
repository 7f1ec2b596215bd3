"""OA webhook signatures: `X-ZEvent-Signature: mac=<sha256_hex(app_id + raw body + timestamp + OA secret key)>`.

Plain SHA-256, not HMAC (reference §1). `app_id` and `timestamp` are read
from the JSON body, but the hash covers the body's bytes exactly as received:
re-serialising the JSON would change them and break every signature.
"""
from __future__ import annotations

import hashlib
import hmac

HEADER = "X-ZEvent-Signature"


def compute_mac(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The hex digest Zalo puts after `mac=`."""
    digest = hashlib.sha256()
    digest.update(str(app_id).encode())
    digest.update(raw_body)
    digest.update(str(timestamp).encode())
    digest.update(oa_secret_key.encode())
    return digest.hexdigest()


def signature_header(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The full header value, as Zalo sends it (used by the emulator and tests)."""
    return "mac=" + compute_mac(app_id, raw_body, timestamp, oa_secret_key)


def is_valid(header: str | None, app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> bool:
    """Constant-time check of a received header against the expected value."""
    if not header or not oa_secret_key:
        return False
    expected = signature_header(app_id, raw_body, timestamp, oa_secret_key)
    return hmac.compare_digest(header.strip().encode(), expected.encode())
