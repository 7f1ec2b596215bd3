"""Form submissions per second through gunicorn (the settings `make run` uses), SQLite,
against a bare Flask JSON endpoint under the same settings, printed as a ratio.

Each submission is a full request: session check, validation against the form
definition, profile upsert (identity lookup, phone normalisation), consent,
two outbox rows, one transaction.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.harness import BIN, ROOT, SECRET_KEY, describe, gunicorn, load  # noqa: E402
from sandbox.server import BackgroundServer  # noqa: E402
from sandbox.zalo import ZaloState, create_sandbox_app  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1500"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
USERS = 40


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    state = ZaloState("bench-app", "bench-secret", "bench-oa", "bench-oa-secret")
    with tempfile.TemporaryDirectory() as workdir, BackgroundServer(create_sandbox_app(state)) as zalo:
        env = {"DATABASE_URL": f"sqlite:///{workdir}/bench.db", "SECRET_KEY": SECRET_KEY, "SANDBOX": "1",
               "ZALO_APP_ID": "bench-app", "ZALO_APP_SECRET": "bench-secret", "ZALO_OA_SECRET_KEY": "bench-oa-secret",
               "ZALO_GRAPH_URL": zalo.url, "FLASK_APP": "wsgi.py"}
        full_env = {**os.environ, **env}
        for command in (["db", "upgrade"], ["forms", "seed"]):
            subprocess.run([os.path.join(BIN, "flask"), *command], cwd=ROOT, env=full_env, check=True,
                           capture_output=True)

        with gunicorn("bench.bare_app:app", env) as base:
            bare = load(REQUESTS, CONCURRENCY, lambda s, i: s.post(f"{base}/echo", json={"i": i}, timeout=10).status_code)

        with gunicorn("wsgi:app", env) as base:
            import requests

            tokens = []
            for n in range(USERS):
                user = state.create_user(f"Khách {n}", phone=f"8491{n:07d}")
                body = requests.post(f"{base}/api/v1/miniapp/session", timeout=10,
                                     json={"access_token": state.issue_access_token(user.app_user_id)}).json()
                tokens.append(body["session_token"])

            def submit(session, i):
                values = {"full_name": f"Khách hàng {i}", "phone": f"091{i % USERS:07d}", "email": f"k{i}@example.vn",
                          "province": "ha-noi", "interest": "pricing", "note": "bench", "marketing_consent": i % 2 == 0}
                response = session.post(f"{base}/api/v1/miniapp/forms/lien-he/submissions", timeout=30,
                                        json={"values": values},
                                        headers={"Authorization": f"Bearer {tokens[i % USERS]}"})
                return response.status_code

            submissions = load(REQUESTS, CONCURRENCY, submit)

    print(f"gunicorn: miniapp_api.gunicorn_config (gthread), {REQUESTS} requests, {CONCURRENCY} client threads")
    print(describe("bare Flask JSON endpoint", bare))
    print(describe("form submission (SQLite)", submissions))
    print(f"ratio submissions/bare: {submissions['rps'] / bare['rps']:.2f}")


if __name__ == "__main__":
    main()
