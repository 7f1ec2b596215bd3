"""A KiotViet Public API emulator (docs/connectors/kiotviet.md): token endpoint, customers, invoices."""
from .app import create_kiotviet_app
from .state import KiotVietState

__all__ = ["KiotVietState", "create_kiotviet_app"]
