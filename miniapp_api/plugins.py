"""Packages that extend the application, found by name so that the application never imports them.

Each module named in `APP_PLUGINS` (default: the CRM sync engine, `crm_sync`)
exposes `init_app(app)` and registers its routes, commands and worker jobs
there. Dependencies between the packages run one way: a plugin imports
`miniapp_api`, `miniapp_api` imports no plugin (a test checks).
"""
from __future__ import annotations

import importlib

from flask import Flask

DEFAULT_PLUGINS = ("crm_sync",)


def load_plugins(app: Flask) -> None:
    for name in app.config.get("APP_PLUGINS", DEFAULT_PLUGINS):
        importlib.import_module(name).init_app(app)
