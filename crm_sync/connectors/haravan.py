"""Haravan (https://docs.haravan.com/docs/omni-apis/customer/, https://docs.haravan.com/docs/omni-apis/api-call-limit/):
`https://apis.haravan.com/com/…`, a private app's access token as `Authorization: Bearer`, a bucket of 80 calls
leaking 4 a second. The shared behaviour is crm_sync/connectors/shopify_like.py."""
from __future__ import annotations

from .shopify_like import ShopifyLikeClient


class HaravanClient(ShopifyLikeClient):
    kind = "haravan"
    prefix = "/com"
    call_limit_header = "X-Haravan-Api-Call-Limit"
    leak_per_second = 4.0
    required_credentials = ("access_token",)

    def auth_headers(self) -> dict:
        return {"Authorization": f"Bearer {self.settings.credentials['access_token']}"}


Client = HaravanClient
