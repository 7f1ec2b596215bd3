"""What `make run` keeps between starts and shares with a second terminal, all under `var/` (never committed).

- `var/secret_key`: the development `SECRET_KEY`, generated once (long and random) and reused, because it
  signs sessions and encrypts stored tokens and credentials: a new key on each start made the second
  start unable to read the first start's data.
- `var/devstack.env`: the settings the running stack uses (sandbox URLs and secrets, the key, the port),
  rewritten on every start and read by `wsgi.py` (`flask …`) and the simulator, so commands typed in a
  second terminal talk to the same product without knowing about `SANDBOX=1`.
"""
from __future__ import annotations

import os
import secrets
import socket

from miniapp_api.config import DEVSTACK_ENV_FILE

SECRET_KEY_FILE = "secret_key"
# The settings a second terminal needs to reach the same product (when `make run` set them).
SHARED_SETTINGS = ("SECRET_KEY", "DATABASE_URL", "PUBLIC_BASE_URL", "SANDBOX", "SANDBOX_ZALO_URL",
                   "ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_ID", "ZALO_OA_SECRET_KEY", "ZALO_GRAPH_URL",
                   "ZALO_OPENAPI_URL", "ZALO_OAUTH_URL", "ZALO_BUSINESS_URL", "SHOPONE_API_KEY")


def _write_private(path: str, text: str) -> None:
    """Write a file only its owner can read, replacing any previous one in one step."""
    temporary = f"{path}.{os.getpid()}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def development_secret_key(var_dir: str) -> str:
    """The key of this checkout's development data: read from `var/secret_key`, created on first use."""
    path = os.path.join(var_dir, SECRET_KEY_FILE)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            key = handle.read().strip()
        if len(key) >= 32:
            return key
    os.makedirs(var_dir, exist_ok=True)
    key = secrets.token_hex(32)
    _write_private(path, key + "\n")
    return key


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_shared_settings(var_dir: str, env: dict) -> str:
    """Write `var/devstack.env` with the settings of the stack being started; returns its path."""
    os.makedirs(var_dir, exist_ok=True)
    path = os.path.join(var_dir, DEVSTACK_ENV_FILE)
    lines = ["# Written by `make run` on each start for commands run beside it. Do not edit; do not commit."]
    lines += [f"{name}={_quoted(env[name])}" for name in SHARED_SETTINGS if env.get(name)]
    _write_private(path, "\n".join(lines) + "\n")
    return path


def parse_bind(bind: str) -> tuple[str, int]:
    """`127.0.0.1:8011` → ("127.0.0.1", 8011); a clear error for anything else."""
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"BIND must be host:port (e.g. 127.0.0.1:8000), got {bind!r}")
    return host.strip("[]"), int(port)


def require_free_port(host: str, port: int, what: str, setting: str) -> None:
    """Stop with one clear line when `port` is taken (another `make run`, another server)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise SystemExit(f"cannot start: port {port} on {host} ({what}) is already in use — is another "
                             f"`make run` running? Stop it, or choose another port with {setting}.") from None
