"""Connecting the Zalo OA: `/oauth/zalo/start` → Zalo consent page → `/oauth/zalo/callback`.

Browser pages for the shop owner, not JSON API: both answer a redirect or a
short HTML page in Vietnamese and English.
"""
from __future__ import annotations

from html import escape

from flask import current_app, redirect, request
from flask_smorest import Blueprint

from ..extensions import db
from ..services.oa.backfill import queue_on_connect
from ..services.oa.connect import ConnectRefused, check_ticket, consume_attempt, start_attempt
from ..zalo.http import ZaloError, ZaloUnavailable

blp = Blueprint("oauth", __name__, url_prefix="/oauth/zalo", description="Connect the Zalo Official Account")


def _page(status: int, vi: str, en: str):
    body = (f"<!doctype html><meta charset=utf-8><title>Zalo OA</title>"
            f"<p>{escape(vi)}</p><p lang=en>{escape(en)}</p>")
    return body, status, {"Content-Type": "text/html; charset=utf-8"}


def redirect_uri() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/oauth/zalo/callback"


@blp.route("/start")
@blp.doc(parameters=[{"in": "query", "name": "ticket", "required": True, "schema": {"type": "string"}}])
def start():
    """Send the owner to Zalo's consent page (link from `flask zalo connect-url`)."""
    secret = current_app.config["SECRET_KEY"]
    try:
        check_ticket(secret, request.args.get("ticket"))
    except ConnectRefused as exc:
        return _page(403, "Liên kết kết nối không hợp lệ hoặc đã hết hạn.", str(exc))
    state, challenge = start_attempt(db.session, secret)
    return redirect(current_app.extensions["zalo_oauth"].permission_url(redirect_uri(), challenge, state), code=302)


@blp.route("/callback")
def callback():
    """Exchange Zalo's single-use code (with the PKCE verifier) for the OA token pair."""
    secret = current_app.config["SECRET_KEY"]
    code = request.args.get("code")
    if not code:
        return _page(400, "Zalo không trả về mã xác thực; bạn đã từ chối quyền truy cập?",
                     "Zalo returned no code; was the permission denied?")
    try:
        verifier = consume_attempt(db.session, secret, request.args.get("state"))
        pair = current_app.extensions["zalo_oauth"].exchange_code(code, verifier)
    except ConnectRefused as exc:
        return _page(400, "Phiên kết nối không hợp lệ; vui lòng bắt đầu lại.", str(exc))
    except ZaloError as exc:
        return _page(502, "Zalo từ chối mã xác thực; vui lòng kết nối lại.", f"Zalo refused the code ({exc.code}).")
    except ZaloUnavailable:
        return _page(503, "Không kết nối được Zalo; vui lòng thử lại.", "Zalo is unreachable; try again.")
    version = current_app.extensions["oa_tokens"].save_pair(pair, source="oauth")
    queue_on_connect(db.session)  # the OA's tags and recent conversations, imported by the worker
    db.session.commit()
    current_app.logger.info("OA connected through OAuth (oa_id %s, token version %d)",
                            request.args.get("oa_id"), version)
    return _page(200, "Đã kết nối Zalo Official Account.", "The Zalo Official Account is connected.")
