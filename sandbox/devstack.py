"""`make run`: the whole product on http://127.0.0.1:8000, on a laptop with no Zalo account.

Starts, as child processes: the local emulators (unless `.env` configures a real
Zalo app), the database migration and seed, gunicorn with the production
settings, and the worker. Ctrl-C stops them all.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request

from dotenv import load_dotenv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZALO_PORT = int(os.environ.get("SANDBOX_ZALO_PORT", "9100"))
SHOPONE_PORT = int(os.environ.get("SANDBOX_SHOPONE_PORT", "9200"))
SHOPONE_KEY = "sandbox-shopone-key"
SANDBOX_SECRETS = {
    "ZALO_APP_ID": "3600000000000000001",
    "ZALO_APP_SECRET": "sandbox-app-secret",
    "ZALO_OA_ID": "3880000000000000001",
    "ZALO_OA_SECRET_KEY": "sandbox-oa-secret-key",
}


def sandbox_environment(env: dict) -> dict:
    """Point every Zalo host at the emulator and fill in sandbox credentials."""
    zalo_url = f"http://127.0.0.1:{ZALO_PORT}"
    env = dict(env)
    env.update({k: env.get(k) or v for k, v in SANDBOX_SECRETS.items()})
    env.update({"SANDBOX": "1", "ZALO_GRAPH_URL": zalo_url, "ZALO_OPENAPI_URL": zalo_url,
                "ZALO_OAUTH_URL": zalo_url, "ZALO_BUSINESS_URL": zalo_url, "SANDBOX_ZALO_URL": zalo_url})
    return env


def wait_for(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up within {seconds:.0f} s")


def _stop_on_sigterm(signum, _frame):
    raise KeyboardInterrupt


def seed_oa_token(flask: str, env: dict) -> None:
    """Connect the sandbox OA: mint a token pair in the emulator and store it (encrypted) in the backend."""
    request = urllib.request.Request(f"{env['SANDBOX_ZALO_URL']}/_sandbox/oa/token", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        pair = json.load(response)
    subprocess.run([flask, "zalo", "set-token", "--access-token", pair["access_token"],
                    "--refresh-token", pair["refresh_token"]], cwd=ROOT, env=env, check=True)


DEMO_RULES = (
    ["--name", "gia", "--match", "contains", "--pattern", "gia", "--priority", "10",
     "--reply", "Dạ, bạn để lại thông tin, cửa hàng gửi báo giá ngay ạ.", "--form-link"],
    ["--name", "nhan-vien", "--match", "contains", "--pattern", "nhan vien", "--priority", "20",
     "--reply", "Dạ, nhân viên sẽ trả lời bạn trong ít phút nữa.", "--handover"],
)


def seed_demo(flask: str, env: dict) -> None:
    """Two auto-reply rules and, on a fresh database, an owner account whose password is printed once."""
    for rule in DEMO_RULES:
        subprocess.run([flask, "rules", "add", *rule], cwd=ROOT, env=env, check=True, capture_output=True)
    listed = subprocess.run([flask, "staff", "list"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    if not listed.stdout.strip():
        password = secrets.token_urlsafe(12)
        subprocess.run([flask, "staff", "create", "--email", "chu@cuahang.local", "--name", "Chủ cửa hàng",
                        "--role", "owner", "--password", password], cwd=ROOT, env=env, check=True)
        print(f"sandbox: owner chu@cuahang.local, password {password} (shown once)", flush=True)


def start_shopone(spawn, flask: str, env: dict) -> None:
    """The ShopOne emulator, configured (idempotently) as the default connector, pulling orders."""
    url = f"http://127.0.0.1:{SHOPONE_PORT}"
    spawn(sys.executable, "-m", "sandbox.shopone", "--port", str(SHOPONE_PORT))
    wait_for(f"{url}/_sandbox/received")
    subprocess.run([flask, "connectors", "add", "shopone", "--kind", "shopone", "--url", url,
                    "--credential", "api_key=env:SHOPONE_API_KEY", "--schedule", "every 10s", "--pull-orders"],
                   cwd=ROOT, env={**env, "SHOPONE_API_KEY": SHOPONE_KEY}, check=True)
    print(f"sandbox: ShopOne emulator on {url} (connector `shopone`, see `flask crm status`)", flush=True)


def main() -> None:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    load_dotenv(os.path.join(ROOT, ".env"))
    env = dict(os.environ)
    env.setdefault("FLASK_APP", "wsgi.py")
    env["SECRET_KEY"] = env.get("SECRET_KEY") or secrets.token_hex(32)
    use_sandbox = not env.get("ZALO_APP_ID")
    python = sys.executable
    children: list[subprocess.Popen] = []

    def spawn(*args: str) -> subprocess.Popen:
        child = subprocess.Popen(args, cwd=ROOT, env=env)
        children.append(child)
        return child

    try:
        if use_sandbox:
            env = sandbox_environment(env)
            spawn(python, "-m", "sandbox.zalo", "--port", str(ZALO_PORT))
            wait_for(f"{env['SANDBOX_ZALO_URL']}/_sandbox/users")
            print(f"sandbox: Zalo emulator on {env['SANDBOX_ZALO_URL']}", flush=True)
        flask = os.path.join(os.path.dirname(python), "flask")
        subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)
        subprocess.run([flask, "forms", "seed"], cwd=ROOT, env=env, check=True)
        if use_sandbox:
            seed_oa_token(flask, env)
            seed_demo(flask, env)
            start_shopone(spawn, flask, env)
        spawn(os.path.join(os.path.dirname(python), "gunicorn"), "-c", "python:miniapp_api.gunicorn_config", "wsgi:app")
        spawn(flask, "worker")
        wait_for("http://127.0.0.1:8000/healthz")
        print("\nReady: http://127.0.0.1:8000/miniapp/  ·  API docs: http://127.0.0.1:8000/docs\n", flush=True)
        if use_sandbox:
            print("A customer writes to the OA:  .venv/bin/python -m sandbox.zalo simulate text --text 'Giá bao nhiêu?'\n",
                  flush=True)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        raise SystemExit("a process exited; stopping the others")
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    main()
