"""`python -m sandbox.shopone --port 9200`: run the ShopOne emulator in the foreground.

The API key comes from SHOPONE_API_KEY (default `sandbox-shopone-key`), the
same variable `make run` uses to configure the product's connector.
"""
from __future__ import annotations

import argparse
import logging
import os

from werkzeug.serving import run_simple

from . import ShopOneState, create_shopone_app


def main() -> None:
    parser = argparse.ArgumentParser(description="Local ShopOne-style CRM emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9200)
    parser.add_argument("--quiet", action="store_true",
                        help="no line per request (`make run` polls orders every 10 s: one line each time)")
    args = parser.parse_args()
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    state = ShopOneState(api_key=os.environ.get("SHOPONE_API_KEY", "sandbox-shopone-key"))
    run_simple(args.host, args.port, create_shopone_app(state), threaded=True)


if __name__ == "__main__":
    main()
