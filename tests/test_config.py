import pytest

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
