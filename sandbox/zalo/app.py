"""The Zalo emulator: one Flask app per emulated Zalo, hosting every Zalo host's paths.

Graph (`graph.zalo.me`), the OA API (`openapi.zalo.me`), OAuth
(`oauth.zaloapp.com`), ZNS (`business.openapi.zalo.me`) and the customer simulator are blueprints on the same
state, so one process and one port stand in for all of Zalo during
development and tests.
"""
from __future__ import annotations

from flask import Flask, request

from . import control, graph, history, miniapp_messages, oa, oauth, promotion, simulator, uploads, zns
from .state import ZaloState


def create_sandbox_app(state: ZaloState) -> Flask:
    app = Flask("sandbox.zalo")
    app.config["ZALO_STATE"] = state

    @app.before_request
    def _record():
        if not request.path.startswith("/_sandbox"):
            app.config["ZALO_STATE"].record({"method": request.method, "path": request.path, "args": request.args.to_dict(),
                          "headers": {k.lower(): v for k, v in request.environ.get("sandbox.raw_headers", request.headers.items())},
                          "body": request.get_data(as_text=True)})
            app.config["ZALO_STATE"].run_while_in_flight(request.path)

    app.register_blueprint(graph.blp)
    app.register_blueprint(oa.blp)
    app.register_blueprint(miniapp_messages.blp)
    app.register_blueprint(uploads.blp)
    app.register_blueprint(promotion.blp)
    app.register_blueprint(history.blp)
    app.register_blueprint(oauth.blp)
    app.register_blueprint(control.blp)
    app.register_blueprint(simulator.blp)
    app.register_blueprint(zns.blp)  # business.openapi.zalo.me
    app.register_blueprint(zns.control)
    return app
