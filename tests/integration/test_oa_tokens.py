"""OA tokens: encrypted at rest, one refresh for concurrent callers, OAuth v4 PKCE connect, CLI."""
import re
import threading

import pytest
import requests
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import OaToken
from miniapp_api.zalo.oauth import TokenPair, code_challenge


def test_tokens_are_encrypted_at_rest(app, oa):
    with app.app_context():
        row = db.session.scalar(sa.select(OaToken))
        assert not row.access_token_enc.startswith("oa_at_") and "oa_rt_" not in row.refresh_token_enc
        db.session.rollback()  # the token store uses its own short transactions
        token, version = app.extensions["oa_tokens"].access_token()
        assert token.startswith("oa_at_") and version == 1


def test_refresh_ahead_of_expiry_spends_the_refresh_token_once(app, oa, frozen_clock):
    frozen_clock.advance(hours=24, minutes=1)  # inside the one-hour margin of a 25 h token
    with app.app_context():
        token, version = app.extensions["oa_tokens"].access_token()
        assert version == 2 and token in oa.oa_tokens
        again, version = app.extensions["oa_tokens"].access_token()
    assert (again, version, oa.refresh_calls) == (token, 2, 1)
    call = [r for r in oa.requests if r["path"] == "/v4/oa/access_token"][0]
    assert call["headers"]["secret_key"] == oa.app_secret
    assert call["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert "grant_type=refresh_token" in call["body"] and f"app_id={oa.app_id}" in call["body"]


def test_two_concurrent_refreshes_make_one_call_and_both_succeed(app, oa, frozen_clock):
    """Two workers find the token due at the same moment; Zalo's single-use refresh token is spent once."""
    oa.token_delay = 0.3  # Zalo takes its time: the second caller arrives while the first is refreshing
    frozen_clock.advance(hours=25)
    barrier, results, errors = threading.Barrier(2), [], []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                results.append(app.extensions["oa_tokens"].access_token())
            except Exception as exc:  # collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    assert oa.refresh_calls == 1
    assert results[0] == results[1] and results[0][1] == 2
    assert results[0][0] in oa.oa_tokens


def test_refresh_refused_is_recorded_and_reported(app, oa, frozen_clock):
    from miniapp_api.services.oa.tokens import TokenRefreshFailed

    oa.refresh_tokens.clear()  # the refresh token was spent elsewhere
    frozen_clock.advance(hours=25)
    with app.app_context():
        with pytest.raises(TokenRefreshFailed):
            app.extensions["oa_tokens"].access_token()
        status = app.extensions["oa_tokens"].status()
    assert "Invalid refresh token" in status["last_refresh_error"]


def test_cli_set_token_and_status_never_print_tokens(runner, app, zalo):
    result = runner.invoke(args=["zalo", "token-status"])
    assert '"connected": false' in result.output
    result = runner.invoke(args=["zalo", "set-token", "--access-token", "AT-secret", "--refresh-token", "RT-secret"])
    assert result.exit_code == 0 and "version 1" in result.output
    status = runner.invoke(args=["zalo", "token-status"]).output
    assert '"connected": true' in status and "secret" not in status


def test_pkce_pair():
    assert code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_connect_the_oa_through_the_consent_page(client, runner, app, zalo):
    url = runner.invoke(args=["zalo", "connect-url"]).output.strip()
    start = client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert start.status_code == 302
    consent_url = start.headers["Location"]
    start.close()
    assert consent_url.startswith(zalo.url + "/v4/oa/permission?")
    page = requests.get(consent_url, timeout=5)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.text))
    page.close()
    assert fields["app_id"] == zalo.app_id and len(fields["code_challenge"]) == 43
    allowed = requests.post(zalo.url + "/v4/oa/permission", data=fields, allow_redirects=False, timeout=5)
    callback = allowed.headers["Location"]
    allowed.close()
    assert callback.startswith("http://127.0.0.1:8000/oauth/zalo/callback?code=")
    done = client.get(callback.removeprefix("http://127.0.0.1:8000"))
    assert done.status_code == 200 and "Đã kết nối" in done.get_data(as_text=True)
    done.close()
    exchange = [r for r in zalo.requests if r["path"] == "/v4/oa/access_token"][0]
    assert "grant_type=authorization_code" in exchange["body"] and "code_verifier=" in exchange["body"]
    with app.app_context():
        token, _ = app.extensions["oa_tokens"].access_token()
    assert token in zalo.oa_tokens
    replay = client.get(callback.removeprefix("http://127.0.0.1:8000"))
    assert replay.status_code == 400  # the state is single use
    replay.close()


def test_connect_link_must_be_signed(client):
    response = client.get("/oauth/zalo/start?ticket=9999999999.forged")
    assert response.status_code == 403
    response.close()


def test_save_pair_bumps_the_version(app, oa):
    with app.app_context():
        assert app.extensions["oa_tokens"].save_pair(TokenPair("a", "b", 90000), source="test") == 2


def test_refresh_token_lifetime_is_the_one_zalo_gives(app, oa, frozen_clock):
    import datetime as dt

    oa.refresh_token_lifetime = 30 * 24 * 3600  # Zalo answers refresh_token_expires_in: "2592000"
    frozen_clock.advance(hours=25)
    with app.app_context():
        app.extensions["oa_tokens"].access_token()
        status = app.extensions["oa_tokens"].status()
    assert status["version"] == 2
    assert status["refresh_expires_at"] == (frozen_clock.now() + dt.timedelta(days=30)).isoformat()


@pytest.mark.parametrize("body,expected", [({"refresh_token_expires_in": "7776000"}, 7776000),
                                           ({"refresh_token_expires_in": 3600}, 3600),
                                           ({}, 90 * 24 * 3600), ({"refresh_token_expires_in": "soon"}, 90 * 24 * 3600)])
def test_refresh_token_lifetime_falls_back_to_three_months_only_when_zalo_does_not_say(body, expected):
    from miniapp_api.zalo.oauth import REFRESH_TOKEN_LIFETIME_SECONDS, _seconds

    assert _seconds(body, "refresh_token_expires_in", REFRESH_TOKEN_LIFETIME_SECONDS) == expected
