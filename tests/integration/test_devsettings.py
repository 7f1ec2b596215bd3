"""What `make run` keeps in `var/`: one long random development key reused by every start, and the settings file
that commands in a second terminal read (environment first, then `.env`, then that file)."""
from __future__ import annotations

import os
import stat

from dotenv import dotenv_values

from miniapp_api.config import load_local_settings
from sandbox.devsettings import development_secret_key, write_shared_settings


def test_the_development_key_is_generated_once_long_random_and_private(tmp_path):
    key = development_secret_key(str(tmp_path))
    assert len(key) >= 64 and development_secret_key(str(tmp_path)) == key  # the second start reads the same key
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
    assert development_secret_key(str(tmp_path / "other")) != key


def test_shared_settings_round_trip_and_never_override_the_environment(tmp_path, monkeypatch):
    env = {"SECRET_KEY": "k" * 64, "SANDBOX": "1", "ZALO_GRAPH_URL": "http://127.0.0.1:9111",
           "ZALO_APP_SECRET": 'quote " and \\ backslash', "PATH": "/usr/bin", "SHOPONE_API_KEY": ""}
    path = write_shared_settings(str(tmp_path), env)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert dotenv_values(path) == {"SECRET_KEY": "k" * 64, "SANDBOX": "1", "ZALO_GRAPH_URL": "http://127.0.0.1:9111",
                                   "ZALO_APP_SECRET": 'quote " and \\ backslash'}
    for name in ("SECRET_KEY", "SANDBOX", "ZALO_GRAPH_URL", "ZALO_APP_SECRET"):
        monkeypatch.setenv(name, "")  # recorded, so what load_local_settings sets is undone after the test
        monkeypatch.delenv(name)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("ZALO_GRAPH_URL", "https://graph.zalo.me")  # set in the shell: wins
    load_local_settings()
    assert os.environ["SECRET_KEY"] == "k" * 64 and os.environ["SANDBOX"] == "1"
    assert os.environ["ZALO_GRAPH_URL"] == "https://graph.zalo.me"
