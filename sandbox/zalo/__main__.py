"""`python -m sandbox.zalo --port 9100`: run the Zalo emulator in the foreground.

`python -m sandbox.zalo simulate <action> --user <id> [--text …]` makes a
sandbox customer act against a running emulator (follow, text, image, …,
submit_info, seen), which delivers the signed webhook to the backend.

App id and secrets come from the same environment variables the product reads,
so both sides agree on signatures and proofs.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import requests
from werkzeug.serving import run_simple

from miniapp_api.config import load_local_settings

from ..server import UnderscoreHeadersHandler

from . import ZaloState, create_sandbox_app
from .simulator import ACTIONS

DEFAULT_WEBHOOK = "http://127.0.0.1:8000/webhooks/zalo"


def serve(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="Local Zalo emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--webhook-url", default=os.environ.get("SANDBOX_WEBHOOK_URL", DEFAULT_WEBHOOK),
                        help="the backend's OA webhook, where simulated customers' events go")
    args = parser.parse_args(argv)
    state = ZaloState(app_id=os.environ.get("ZALO_APP_ID", "sandbox-app"),
                      app_secret=os.environ.get("ZALO_APP_SECRET", "sandbox-app-secret"),
                      oa_id=os.environ.get("ZALO_OA_ID", "sandbox-oa"),
                      oa_secret_key=os.environ.get("ZALO_OA_SECRET_KEY", "sandbox-oa-secret"))
    state.webhook_url, state.echo_events = args.webhook_url, True
    state.create_user("Nguyễn Văn An", phone="84912345678", app_user_id="100000000000000001",
                      oa_user_id="200000000000000001")
    run_simple(args.host, args.port, create_sandbox_app(state), threaded=True,
               request_handler=UnderscoreHeadersHandler)


def simulate(argv: list[str]) -> None:
    load_local_settings()  # beside `make run`: its emulator URL from var/devstack.env
    parser = argparse.ArgumentParser(prog="python -m sandbox.zalo simulate",
                                     description="Make a sandbox customer act; the emulator signs and delivers the webhook")
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("--user", default="100000000000000001", help="app or OA user id of a sandbox user")
    parser.add_argument("--text")
    parser.add_argument("--msg-id", action="append", dest="msg_ids", help="for seen/received/react (repeatable)")
    parser.add_argument("--info", type=json.loads, help='JSON details, e.g. \'{"react_icon": "/-heart"}\', '
                                                         '\'{"tag": "VIP"}\', \'{"rate": 5}\'')
    parser.add_argument("--zalo-url", default=os.environ.get("SANDBOX_ZALO_URL", "http://127.0.0.1:9100"))
    args = parser.parse_args(argv)
    body = {"user": args.user, "text": args.text, "msg_ids": args.msg_ids,
            "msg_id": (args.msg_ids or [None])[0], "info": args.info}
    response = requests.post(f"{args.zalo_url}/_sandbox/simulate/{args.action}", json=body, timeout=(2, 10))
    print(json.dumps(response.json(), ensure_ascii=False, indent=2))
    response.close()
    if response.status_code != 200:
        raise SystemExit(1)


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["simulate"]:
        simulate(argv[1:])
    else:
        serve(argv)


if __name__ == "__main__":
    main()
