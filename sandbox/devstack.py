"""`make run`: the whole product on http://127.0.0.1:8000 (or `BIND`), on a laptop with no Zalo account.

Starts, as child processes: the local emulators (unless `.env` configures a real
Zalo app), the database migration and seed, gunicorn with the production
settings, and the worker. Ctrl-C stops them all and exits 0. Run it again on the
same data: the development key persists under `var/` (see `sandbox.devsettings`).
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

from dotenv import load_dotenv

from miniapp_api.config import var_directory

from .devsettings import (development_secret_key, parse_bind, require_free_port, write_shared_settings)

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


def wait_for(url: str, child: subprocess.Popen | None = None, seconds: float = 180) -> None:
    """Until `url` answers; stop early, saying so, if the process meant to serve it has exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if child is not None and child.poll() is not None:
            raise SystemExit(f"{' '.join(child.args[:3])} exited (status {child.returncode}) before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up within {seconds:.0f} s")


WORKER_STARTED = "started with jobs"


def wait_for_line(child: subprocess.Popen, marker: str, seconds: float = 180) -> None:
    """Pass the child's stderr through, and return once a line contains `marker` (its start-up is logged)."""
    seen = threading.Event()

    def forward():
        for line in child.stderr:
            sys.stderr.write(line)
            sys.stderr.flush()
            if marker in line:
                seen.set()
        seen.set()  # the child closed its stderr: it has exited, the caller finds out below

    threading.Thread(target=forward, daemon=True).start()
    if not seen.wait(seconds) or child.poll() is not None:
        raise SystemExit(f"{' '.join(child.args[:3])} did not start (status {child.poll()})")


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


def seed_zns_template(env: dict) -> None:
    """An enabled order-update ZNS template in the emulator; the worker's first template sync picks it up."""
    body = {"template_id": "100001", "name": "Cập nhật đơn hàng", "params": [
        {"name": "customer_name", "maxLength": 30}, {"name": "order_code", "maxLength": 30},
        {"name": "status", "maxLength": 30}]}
    request = urllib.request.Request(f"{env['SANDBOX_ZALO_URL']}/_sandbox/zns/templates", method="POST",
                                     data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).close()


DEMO_RULES = (
    ["--name", "gia", "--match", "contains", "--pattern", "gia", "--priority", "10",
     "--reply", "Dạ, bạn để lại thông tin, cửa hàng gửi báo giá ngay ạ.", "--form-link"],
    ["--name", "nhan-vien", "--match", "contains", "--pattern", "nhan vien", "--priority", "20",
     "--reply", "Dạ, nhân viên sẽ trả lời bạn trong ít phút nữa.", "--handover"],
)


def seed_demo(flask: str, env: dict) -> None:
    """Two auto-reply rules for the sandbox's customers to trigger."""
    for rule in DEMO_RULES:
        subprocess.run([flask, "rules", "add", *rule], cwd=ROOT, env=env, check=True, capture_output=True)


def setup_code(flask: str, env: dict) -> str | None:
    """A one-time code for creating the first owner in the console, while there is none (no password printed)."""
    done = subprocess.run([flask, "staff", "setup-code"], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True)
    return done.stdout.strip() or None


def start_shopone(spawn, flask: str, env: dict) -> None:
    """The ShopOne emulator, configured (idempotently) as the default connector, pulling orders."""
    url = f"http://127.0.0.1:{SHOPONE_PORT}"
    shopone = spawn(sys.executable, "-m", "sandbox.shopone", "--port", str(SHOPONE_PORT), "--quiet")
    wait_for(f"{url}/_sandbox/received", shopone)
    subprocess.run([flask, "connectors", "add", "shopone", "--kind", "shopone", "--url", url,
                    "--credential", "api_key=env:SHOPONE_API_KEY", "--schedule", "every 10s", "--pull-orders"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    print(f"sandbox: ShopOne emulator on {url} (connector `shopone`, see `flask crm status`)", flush=True)


def stack_environment(use_sandbox: bool) -> tuple[dict, str]:
    """The children's environment and the base URL they serve; refuses busy ports with one clear line."""
    env = dict(os.environ)
    env.setdefault("FLASK_APP", "wsgi.py")
    env["BIND"] = env.get("BIND") or "127.0.0.1:8000"
    host, port = parse_bind(env["BIND"])
    base_url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"
    env.setdefault("PUBLIC_BASE_URL", base_url)
    env["SECRET_KEY"] = env.get("SECRET_KEY") or development_secret_key(var_directory())
    require_free_port(host, port, "the web server", "BIND=127.0.0.1:8001")
    if use_sandbox:
        require_free_port("127.0.0.1", ZALO_PORT, "the Zalo emulator", "SANDBOX_ZALO_PORT")
        require_free_port("127.0.0.1", SHOPONE_PORT, "the ShopOne emulator", "SANDBOX_SHOPONE_PORT")
        env = sandbox_environment(env)
        env.update({"SANDBOX_WEBHOOK_URL": f"{base_url}/webhooks/zalo", "SHOPONE_API_KEY": SHOPONE_KEY})
    write_shared_settings(var_directory(), env)
    return env, base_url


def announce(base_url: str, use_sandbox: bool, code: str | None) -> None:
    """What to open and what to type, after everything answers, so start-up logs cannot bury it."""
    lines = ["", f"Ready: {base_url}",
             f"  Staff console:  {base_url}/console/",
             f"  Mini App form:  {base_url}/miniapp/",
             f"  API docs:       {base_url}/docs   (staff API under {base_url}/api/v1/admin/)"]
    if code:
        lines.append(f"  Setup code:     {code}   (open the console and create the owner account with it;"
                     " valid 24 h, once)")
    if use_sandbox:
        lines += ["A customer writes to the OA (second terminal):",
                  "  .venv/bin/python -m sandbox.zalo simulate text --text 'Giá bao nhiêu?'",
                  "  FLASK_APP=wsgi.py .venv/bin/flask crm status"]
    lines += ["Ctrl-C stops everything; `make run` again continues on the same data.", ""]
    print("\n".join(lines), flush=True)


@contextlib.contextmanager
def own_the_terminal():
    """Take the terminal's Ctrl-C for this process alone, as a shell does for a job.

    Otherwise `make` (our parent, in the same foreground group) gets SIGINT too and reports
    "Interrupt" with status 130 even though everything stopped cleanly. Without a terminal
    (CI, tests) nothing changes.
    """
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield
        return
    previous = os.tcgetpgrp(tty)
    hang_up = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # a background group may not set the terminal
    try:
        if previous == os.getpgrp() and os.getpid() != os.getsid(0):
            os.setpgid(0, 0)
            os.tcsetpgrp(tty, os.getpgrp())
        yield
    finally:
        if os.tcgetpgrp(tty) != previous:
            os.tcsetpgrp(tty, previous)
        signal.signal(signal.SIGTTOU, hang_up)
        os.close(tty)


def main() -> None:
    with own_the_terminal():
        run_stack()


def run_stack() -> None:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    load_dotenv(os.path.join(ROOT, ".env"))
    use_sandbox = not os.environ.get("ZALO_APP_ID")
    env, base_url = stack_environment(use_sandbox)
    python = sys.executable
    children: list[subprocess.Popen] = []

    def spawn(*args: str, **options) -> subprocess.Popen:
        # Own session: Ctrl-C reaches only this process, which stops the children in order.
        child = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True, **options)
        children.append(child)
        return child

    try:
        if use_sandbox:
            wait_for(f"{env['SANDBOX_ZALO_URL']}/_sandbox/users",
                     spawn(python, "-m", "sandbox.zalo", "--port", str(ZALO_PORT)))
            print(f"sandbox: Zalo emulator on {env['SANDBOX_ZALO_URL']}", flush=True)
        flask = os.path.join(os.path.dirname(python), "flask")
        subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)
        subprocess.run([flask, "forms", "seed"], cwd=ROOT, env=env, check=True)
        if use_sandbox:
            seed_oa_token(flask, env)
            seed_zns_template(env)
            seed_demo(flask, env)
            start_shopone(spawn, flask, env)
        code = setup_code(flask, env)
        web = spawn(os.path.join(os.path.dirname(python), "gunicorn"), "-c", "python:miniapp_api.gunicorn_config",
                    "wsgi:app")
        wait_for_line(spawn(flask, "worker", stderr=subprocess.PIPE, text=True), WORKER_STARTED)
        wait_for(f"{base_url}/healthz", web)
        announce(base_url, use_sandbox, code)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        raise SystemExit("a process exited; stopping the others")
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    except subprocess.CalledProcessError as error:
        output = error.stderr.decode() if isinstance(error.stderr, bytes) else (error.stderr or "")
        reason = output.strip().splitlines()[-1:] or [f"status {error.returncode}"]
        raise SystemExit(f"start-up step `{' '.join(map(str, error.cmd[1:3]))}` failed: {reason[0]}") from None
    finally:
        # Newest first, each gone before the next is asked: the worker and web finish what they are doing
        # while the emulators they talk to are still up.
        for child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    main()
