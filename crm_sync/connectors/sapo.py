"""Sapo: `https://<store>.mysapo.net/admin/…`, a private app's token as `X-Sapo-Access-Token`, a bucket of 40
calls leaking 2 a second (`X-Sapo-Api-Call-Limit`). Sapo's documentation was not in reach here: these follow the
Shopify admin API Sapo's mirrors and the issue's figures (docs/connectors/haravan-sapo.md says which parts were
checked). The shared behaviour is crm_sync/connectors/shopify_like.py."""
from __future__ import annotations

from .shopify_like import ShopifyLikeClient


class SapoClient(ShopifyLikeClient):
    kind = "sapo"
    prefix = "/admin"
    call_limit_header = "X-Sapo-Api-Call-Limit"
    leak_per_second = 2.0
    required_credentials = ("access_token",)

    def auth_headers(self) -> dict:
        return {"X-Sapo-Access-Token": self.settings.credentials["access_token"]}


Client = SapoClient
