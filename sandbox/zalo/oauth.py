"""Zalo OAuth v4 for OAs (`oauth.zaloapp.com`): the consent page and the token endpoint.

The consent page stands in for the OA admin clicking "Cho phép"; the token
endpoint checks the app's `secret_key` header and the PKCE verifier, answers
`expires_in` as a string, and spends refresh tokens once: a second use of
the same refresh token fails, as on Zalo.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from html import escape
from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, redirect, request

blp = Blueprint("zalo_oauth", __name__)
CODE_TTL = 600


def _state():
    return current_app.config["ZALO_STATE"]


def _error(code: int, name: str):
    return jsonify({"error": code, "error_name": name, "error_reason": name, "error_description": name})


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@blp.get("/v4/oa/permission")
def permission_page():
    state = _state()
    args = request.args
    if args.get("app_id") != state.app_id:
        return "<p>Ứng dụng không tồn tại (invalid app_id)</p>", 400
    if not args.get("redirect_uri") or not args.get("code_challenge"):
        return "<p>Thiếu redirect_uri hoặc code_challenge</p>", 400
    hidden = "".join(f'<input type=hidden name="{escape(k)}" value="{escape(args.get(k, ""))}">'
                     for k in ("app_id", "redirect_uri", "code_challenge", "state"))
    return (f"<!doctype html><meta charset=utf-8><title>Zalo OA (sandbox)</title>"
            f"<h1>Cấp quyền cho ứng dụng</h1><p>OA {escape(state.oa_id)} cho phép ứng dụng {escape(state.app_id)} "
            f"quản lý tin nhắn và người quan tâm.</p>"
            f"<form method=post action=/v4/oa/permission>{hidden}<button>Cho phép</button></form>")


@blp.post("/v4/oa/permission")
def permission_allow():
    state = _state()
    form = request.form
    code = "code_" + secrets.token_urlsafe(24)
    with state.lock:
        state.auth_codes[code] = (form.get("code_challenge", ""), form.get("redirect_uri", ""),
                                  state.clock() + CODE_TTL)
    query = urlencode({"code": code, "oa_id": state.oa_id, "state": form.get("state", "")})
    return redirect(f"{form.get('redirect_uri')}?{query}", code=302)


@blp.post("/v4/oa/access_token")
def access_token():
    state = _state()
    if not hmac.compare_digest((request.headers.get("secret_key") or "").encode(), state.app_secret.encode()):
        return _error(-14002, "Invalid secret key")
    form = request.form
    if form.get("app_id") != state.app_id:
        return _error(-14001, "Invalid app_id")
    if form.get("grant_type") == "authorization_code":
        with state.lock:
            entry = state.auth_codes.pop(form.get("code") or "", None)  # single use
        if entry is None or state.clock() >= entry[2]:
            return _error(-14019, "Invalid or expired authorization code")
        if not hmac.compare_digest(_challenge(form.get("code_verifier") or ""), entry[0]):
            return _error(-14014, "Invalid code verifier")
    elif form.get("grant_type") == "refresh_token":
        with state.lock:
            state.refresh_calls += 1
            expires_at = state.refresh_tokens.pop(form.get("refresh_token") or "", None)  # single use
        if expires_at is None or state.clock() >= expires_at:
            return _error(-14020, "Invalid refresh token")
        if state.token_delay:
            time.sleep(state.token_delay)
    else:
        return _error(-14003, "Invalid grant_type")
    access, refresh = state.issue_oa_tokens()
    return jsonify({"access_token": access, "refresh_token": refresh, "expires_in": "90000",
                    "refresh_token_expires_in": str(state.refresh_token_lifetime)})
