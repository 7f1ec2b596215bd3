"""The ShopOne emulator as a Flask app: the contract's paths plus `/_sandbox/` controls."""
from __future__ import annotations

from flask import Flask

from . import api, control
from .state import ShopOneState


def create_shopone_app(state: ShopOneState) -> Flask:
    app = Flask("sandbox.shopone")
    app.config["SHOPONE_STATE"] = state
    app.register_blueprint(api.blp)
    app.register_blueprint(control.blp)
    return app
