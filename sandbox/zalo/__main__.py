"""`python -m sandbox.zalo --port 9100`: run the Zalo emulator in the foreground.

App id and secrets come from the same environment variables the product reads,
so both sides agree on signatures and proofs.
"""
from __future__ import annotations

import argparse
import os

from werkzeug.serving import run_simple

from ..server import UnderscoreHeadersHandler

from . import ZaloState, create_sandbox_app


def main() -> None:
    parser = argparse.ArgumentParser(description="Local Zalo emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    args = parser.parse_args()
    state = ZaloState(app_id=os.environ.get("ZALO_APP_ID", "sandbox-app"),
                      app_secret=os.environ.get("ZALO_APP_SECRET", "sandbox-app-secret"),
                      oa_id=os.environ.get("ZALO_OA_ID", "sandbox-oa"),
                      oa_secret_key=os.environ.get("ZALO_OA_SECRET_KEY", "sandbox-oa-secret"))
    state.create_user("Nguyễn Văn An", phone="84912345678", app_user_id="100000000000000001",
                      oa_user_id="200000000000000001")
    run_simple(args.host, args.port, create_sandbox_app(state), threaded=True,
               request_handler=UnderscoreHeadersHandler)


if __name__ == "__main__":
    main()
