"""Emulator of a ShopOne-style CRM speaking the contract in docs/connectors/shopone.md."""
from .app import create_shopone_app
from .state import ShopOneState

__all__ = ["ShopOneState", "create_shopone_app"]
