import secrets

import pytest

from miniapp_api import create_app
from miniapp_api.config import Config, ConfigError


def test_missing_secrets_fail_fast_outside_testing(monkeypatch):
    for name in ("SECRET_KEY", "ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY", "TESTING", "SANDBOX"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Config.from_env().validate()


def test_environment_names_are_read(monkeypatch):
    monkeypatch.setenv("ZALO_GRAPH_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("SESSION_TTL_SECONDS", "60")
    config = Config.from_env()
    assert config.ZALO_GRAPH_URL == "http://127.0.0.1:1" and config.SESSION_TTL_SECONDS == 60


def test_bad_integer_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("SESSION_TTL_SECONDS", "soon")
    with pytest.raises(ConfigError, match="SESSION_TTL_SECONDS"):
        Config.from_env()


def test_http_timeouts_are_read_and_checked(monkeypatch):
    monkeypatch.setenv("HTTP_READ_TIMEOUT", "2.5")
    assert Config.from_env().to_flask()["HTTP_TIMEOUT"] == (3.05, 2.5)
    monkeypatch.setenv("HTTP_CONNECT_TIMEOUT", "fast")
    with pytest.raises(ConfigError, match="HTTP_CONNECT_TIMEOUT"):
        Config.from_env()


def test_postgres_urls_use_psycopg3():
    assert Config.from_env(DATABASE_URL="postgres://u@h/db").DATABASE_URL == "postgresql+psycopg://u@h/db"
    assert Config.from_env(DATABASE_URL="postgresql://u@h/db").DATABASE_URL == "postgresql+psycopg://u@h/db"
    assert Config.from_env(DATABASE_URL="sqlite:///x.db").DATABASE_URL == "sqlite:///x.db"


def _production_secrets(monkeypatch, **values):
    for name in ("TESTING", "SANDBOX", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY"):
        monkeypatch.setenv(name, "set")
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_sandbox_without_secret_key_is_refused(monkeypatch, tmp_path):
    """Else Mini App session tokens are signed with an empty key that anyone can forge."""
    _production_secrets(monkeypatch, SANDBOX="1", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("sandbox", ["0", "1"])
@pytest.mark.parametrize("key", ["x", "short-but-not-32-characters", "a" * 31])
def test_short_secret_key_is_refused(monkeypatch, sandbox, key):
    _production_secrets(monkeypatch, SANDBOX=sandbox, SECRET_KEY=key)
    with pytest.raises(ConfigError, match="at least 32 characters"):
        Config.from_env().validate()


def test_a_generated_secret_key_is_accepted_and_tests_need_none(monkeypatch):
    _production_secrets(monkeypatch, SANDBOX="1", SECRET_KEY=secrets.token_hex(32))
    Config.from_env().validate()
    _production_secrets(monkeypatch, TESTING="1")
    Config.from_env().validate()


def test_trusted_proxy_count_cannot_be_negative(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "-1")
    with pytest.raises(ConfigError, match="TRUSTED_PROXY_COUNT"):
        Config.from_env(TESTING=True).validate()


@pytest.mark.parametrize("value, message", [
    ('{"shipping": {"params": {}}}', "shipping: needs a template_id"),
    ('{"shipping": {"template_id": "1", "params": {"code": "order.cdoe"}}}', "shipping.code: unknown source"),
    ('["shipping"]', "must be a JSON object"),
])
def test_zns_order_templates_are_checked_at_start(monkeypatch, value, message):
    monkeypatch.setenv("ZNS_ORDER_TEMPLATES", value)
    with pytest.raises(ConfigError, match=message):
        Config.from_env(TESTING=True).validate()


def test_zns_order_templates_with_known_sources_and_literals_pass(monkeypatch):
    monkeypatch.setenv("ZNS_ORDER_TEMPLATES", '{"shipping": {"template_id": "1", "params": '
                                              '{"code": "order.code", "note": "=Cảm ơn"}}}')
    Config.from_env(TESTING=True).validate()
