"""Emulator of the Zalo platform (Graph for Mini Apps; OA API, OAuth and webhooks to come)."""
from .app import create_sandbox_app
from .state import SandboxUser, ZaloState

__all__ = ["SandboxUser", "ZaloState", "create_sandbox_app"]
