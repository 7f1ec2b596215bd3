"""Emulator of the Zalo platform: Graph for Mini Apps, the OA API, OAuth and a customer simulator."""
from .app import create_sandbox_app
from .state import SandboxUser, ZaloState

__all__ = ["SandboxUser", "ZaloState", "create_sandbox_app"]
