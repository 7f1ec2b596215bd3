"""`make run` as a service: honours BIND, refuses a busy port, stops on Ctrl-C with status 0, starts again on
the same data, and the README's commands work verbatim in a second terminal beside it."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What a developer's shell would not have: the product's settings come from `make run` alone.
PRODUCT_SETTINGS = ("SANDBOX", "SANDBOX_ZALO_URL", "SECRET_KEY", "DATABASE_URL", "PUBLIC_BASE_URL", "BIND",
                    "ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_ID", "ZALO_OA_SECRET_KEY", "ZALO_GRAPH_URL",
                    "ZALO_OPENAPI_URL", "ZALO_OAUTH_URL", "ZALO_BUSINESS_URL", "SHOPONE_API_KEY", "FLASK_APP",
                    "TESTING", "VAR_DIR")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def terminal(tmp_path):
    """A clean shell environment for this checkout; `VAR_DIR` stands for a fresh checkout's `var/`."""
    env = {k: v for k, v in os.environ.items() if k not in PRODUCT_SETTINGS}
    env["VAR_DIR"] = str(tmp_path / "var")
    return env


def start_stack(env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "sandbox.devstack"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def wait_for_output(stack: subprocess.Popen, log: Path, marker: str, seconds: float = 900) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = log.read_text()
        if marker in text:
            return text
        assert stack.poll() is None, f"make run exited early:\n{text}"
        time.sleep(0.2)
    stack.kill()
    raise AssertionError(f"no {marker!r} within {seconds} s:\n{log.read_text()}")


def interrupt(stack: subprocess.Popen) -> int:
    stack.send_signal(signal.SIGINT)  # what Ctrl-C delivers
    try:
        return stack.wait(timeout=120)
    except subprocess.TimeoutExpired:
        stack.kill()
        raise


def shell(command: str, env: dict) -> subprocess.CompletedProcess:
    """A README line, typed verbatim into a second terminal at the repository root."""
    return subprocess.run(command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_make_run_serves_on_bind_stops_on_ctrl_c_and_restarts_on_the_same_data(terminal, tmp_path):
    web = free_port()
    env = {**terminal, "BIND": f"127.0.0.1:{web}", "SANDBOX_ZALO_PORT": str(free_port()),
           "SANDBOX_SHOPONE_PORT": str(free_port())}
    first_log = tmp_path / "first.log"
    stack = start_stack(env, first_log)
    try:
        wait_for_output(stack, first_log, "Ctrl-C stops everything")
        with urllib.request.urlopen(f"http://127.0.0.1:{web}/healthz", timeout=5) as response:
            assert response.status == 200
        simulated = shell('.venv/bin/python -m sandbox.zalo simulate text --text "Cho hỏi giá sản phẩm?"', terminal)
        assert simulated.returncode == 0, simulated.stdout + simulated.stderr
        for line in ("FLASK_APP=wsgi.py .venv/bin/flask crm status",
                     "FLASK_APP=wsgi.py .venv/bin/flask connectors show shopone",
                     "FLASK_APP=wsgi.py .venv/bin/flask staff list",
                     "FLASK_APP=wsgi.py .venv/bin/flask zalo token-status"):  # decrypts with the persisted key
            result = shell(line, terminal)
            assert result.returncode == 0, f"{line}\n{result.stdout}{result.stderr}"
            assert "Traceback" not in result.stderr
    finally:
        status = interrupt(stack)
    output = first_log.read_text()
    assert status == 0, output
    ready = output.index(f"Ready: http://127.0.0.1:{web}")
    code = re.search(r"Setup code: +([2-9A-Z]{4}-[2-9A-Z]{4})", output)
    assert code and code.start() > ready, "the setup code is shown after Ready"
    assert "password" not in output.lower(), "no password in the log"
    assert ":apscheduler." not in output, "per-tick scheduler lines are off by default"

    second_log = tmp_path / "second.log"
    stack = start_stack(env, second_log)
    try:
        wait_for_output(stack, second_log, "Ctrl-C stops everything")
        result = shell("FLASK_APP=wsgi.py .venv/bin/flask connectors show shopone", terminal)
        assert result.returncode == 0, result.stdout + result.stderr
        new_code = re.search(r"Setup code: +(\S+)", second_log.read_text()).group(1)  # a new one per start
        owner = {"code": new_code, "email": "chu@cuahang.vn", "name": "Chủ cửa hàng", "password": "mat-khau-dai-10"}
        request = urllib.request.Request(f"http://127.0.0.1:{web}/api/v1/admin/setup", method="POST",
                                         data=json.dumps(owner).encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
    finally:
        status = interrupt(stack)
    output = second_log.read_text()
    assert status == 0, output
    assert code.group(1) != new_code

    third_log = tmp_path / "third.log"
    stack = start_stack(env, third_log)
    try:
        wait_for_output(stack, third_log, "Ctrl-C stops everything")
    finally:
        status = interrupt(stack)
    output = third_log.read_text()
    assert status == 0, output
    assert "Setup code" not in output  # an owner exists: nothing to set up
    assert "Traceback" not in output


def test_a_busy_port_is_one_clear_line(terminal):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "sandbox.devstack"], cwd=ROOT, capture_output=True, text=True,
                                env={**terminal, "BIND": f"127.0.0.1:{port}"}, timeout=300)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"cannot start: port {port} on 127.0.0.1 (the web server) is already in use — is another `make run` "
        "running? Stop it, or choose another port with BIND=127.0.0.1:8001."]


def test_cli_configuration_errors_are_one_line(terminal):
    result = shell("FLASK_APP=wsgi.py .venv/bin/flask crm status", terminal)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("configuration error: missing required settings: SECRET_KEY")
