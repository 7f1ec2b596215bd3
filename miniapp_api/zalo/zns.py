"""The ZNS client (`business.openapi.zalo.me`): template messages by phone, templates, the daily quota.

Zalo Notification Service reaches a customer by phone number, outside the OA
messaging window, with a template Zalo approved. Same envelope as the OA API
(`error != 0` on HTTP 200, raised as `ZaloError` by `ZaloHttp`) and the same
OA access token in the `access_token` header; ZNS calls an invalid token
`-124`, so that code (as well as the OA API's `-216`/`-220`) triggers one
refresh-and-retry. Shapes and codes: docs/oa.md "ZNS".
"""
from __future__ import annotations

from .oa import REFRESH_CODES, TokenClient

TOKEN_INVALID = -124
ZNS_REFRESH_CODES = (TOKEN_INVALID, *REFRESH_CODES)
PHONE_INVALID = -108
TEMPLATE_INVALID = -109
TEMPLATE_DATA_EMPTY, TEMPLATE_DATA_INVALID = -111, -112
USER_CANNOT_RECEIVE = (-114, -118, -119, -139)
OUT_OF_BALANCE = -115
DAILY_QUOTA_EXCEEDED = -144
TEMPLATE_PAGE = 100  # `/template/all` answers at most 100 templates per request


class ZnsClient(TokenClient):
    """The ZNS API (`business.openapi.zalo.me`) with the OA's token; ZNS names a bad token -124."""

    refresh_codes = ZNS_REFRESH_CODES

    def send_template(self, phone: str, template_id: str, template_data: dict, tracking_id: str,
                      *, development: bool = False) -> dict:
        """`POST /message/template`; returns `data` (`msg_id`, `sent_time`, `quota`{dailyQuota, remainingQuota})."""
        body = {"phone": phone, "template_id": template_id, "template_data": template_data,
                "tracking_id": tracking_id}
        if development:
            body["mode"] = "development"  # delivered only to the app's and OA's admins
        return self._call("POST", "/message/template", json=body).get("data") or {}

    def templates(self, offset: int = 0, limit: int = TEMPLATE_PAGE, status: int | None = None) -> tuple[list[dict], int]:
        """`GET /template/all`: one page of the OA's templates and the total (status 1 = ENABLE)."""
        params = {"offset": offset, "limit": limit, **({"status": status} if status is not None else {})}
        body = self._call("GET", "/template/all", params=params)
        data = body.get("data")
        total = (body.get("metadata") or {}).get("total")
        rows = [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []
        return rows, int(total) if isinstance(total, int) else len(rows)

    def template_info(self, template_id: str) -> dict:
        """`GET /template/info/v2`: status, `listParams` (name, require, type, maxLength, minLength, acceptNull)."""
        return self._call("GET", "/template/info/v2", params={"template_id": template_id}).get("data") or {}

    def quota(self) -> dict:
        """`GET /message/quota`: `dailyQuota` and `remainingQuota` of today."""
        return self._call("GET", "/message/quota").get("data") or {}
