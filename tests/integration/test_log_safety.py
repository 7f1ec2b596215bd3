"""Logs cannot be forged with untrusted input, and the access log records no personal data."""
import io
import json
import logging
import os
import shutil
import subprocess

import pytest
import requests
import sqlalchemy as sa

from bench.harness import BIN, ROOT, free_port, wait_for
from miniapp_api.log_safety import escape
from tests.conftest import OA_SECRET_KEY

FORGED = "x\nERROR:miniapp_api:FORGED admin login ok"


def _post_unsigned(post, url: str):
    body = json.dumps({"event_name": FORGED, "app_id": "1", "timestamp": "1"}).encode()
    return post(url, data=body, headers={"Content-Type": "application/json", "X-ZEvent-Signature": "mac=00"})


def test_control_characters_are_escaped():
    assert escape("a\r\nb\tc\x00d\x85e\u2028f") == "a\\r\\nb\\tc\\u0000d\\u0085e\\u2028f"
    assert escape("Nguyễn Văn A: 'đơn' #12") == "Nguyễn Văn A: 'đơn' #12"


def test_a_newline_in_an_unsigned_webhook_does_not_forge_a_log_line(app, client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(logging.BASIC_FORMAT))
    logging.getLogger().addHandler(handler)
    try:
        response = _post_unsigned(client.post, "/webhooks/zalo")
        assert response.status_code == 401
        try:
            raise ValueError(f"bad input {FORGED}")
        except ValueError:
            logging.getLogger("miniapp_api").exception("while handling %s", FORGED)
    finally:
        logging.getLogger().removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert not [line for line in lines if line.startswith("ERROR:miniapp_api:FORGED")], lines
    assert len(lines) == 3, lines  # the warning, the error and its traceback: one line each
    assert "x\\nERROR:miniapp_api:FORGED" in lines[0] and "ValueError: bad input x\\nERROR" in lines[2]


def test_gunicorn_logs_neither_query_strings_nor_forged_lines(sqlite_template, tmp_path):
    database = tmp_path / "gunicorn.db"
    shutil.copyfile(sqlite_template, database)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "TESTING": "1", "SECRET_KEY": "test-secret-key",
           "ZALO_OA_SECRET_KEY": OA_SECRET_KEY, "BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": "-",
           "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "2"}
    process = subprocess.Popen([os.path.join(BIN, "gunicorn"), "-c", "python:miniapp_api.gunicorn_config",
                                "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        with requests.Session() as http:
            assert http.get(base + "/api/v1/admin/search", params={"q": "0912345678"}, timeout=5).status_code == 401
            assert http.get(base + "/api/v1/admin/customers", params={"phone": "+84912345678"},
                            timeout=5).status_code == 401
            assert _post_unsigned(lambda url, **kw: http.post(url, timeout=5, **kw),
                                  base + "/webhooks/zalo").status_code == 401
    finally:
        process.terminate()
        out, err = process.communicate(timeout=20)
    logged = out + err
    assert '"GET /api/v1/admin/search HTTP/1.1" 401' in logged, logged
    assert "912345678" not in logged and "q=" not in logged
    assert not [line for line in logged.splitlines() if "FORGED" in line and not line.startswith("WARNING:")]
    assert "x\\nERROR:miniapp_api:FORGED" in logged


def test_database_errors_do_not_carry_the_statement_values(app):
    from miniapp_api.extensions import db

    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError) as failed:
            db.session.execute(sa.text("SELECT no_such_column FROM customer WHERE full_name = :name"),
                               {"name": "Trần Thị Bích +84987654321"})
        db.session.rollback()
    assert "no_such_column" in str(failed.value)  # the statement is there to debug with ...
    assert "84987654321" not in str(failed.value) and "Bích" not in str(failed.value)  # ... its values are not
