"""One emulator for the two Shopify-like platforms, Haravan and Sapo (docs/connectors/haravan-sapo.md)."""
from .app import FLAVOURS, create_shopify_like_app
from .state import ShopifyLikeState

__all__ = ["FLAVOURS", "ShopifyLikeState", "create_shopify_like_app"]
