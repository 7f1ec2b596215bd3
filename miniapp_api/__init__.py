"""The Flask application: HTTP surface and domain of the Zalo Mini App backend."""
from __future__ import annotations

import logging
import os

from flask import Flask, redirect, send_from_directory
from flask_cors import CORS

from .config import Config, sqlite_directory

SWAGGER_UI = "swagger-ui-5.35.0"  # static/docs-assets/<this>: Swagger UI for /docs, with its licence


def create_app(config: dict | None = None) -> Flask:
    """Build an app from the environment, with `config` overriding settings (tests do this)."""
    settings = Config.from_env(**(config or {}))
    settings.validate()

    static_root = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "static")
    app = Flask(__name__, static_folder=None)
    from .api.converters import RowIdConverter

    app.url_map.converters["int"] = RowIdConverter  # before any route is added
    app.config.update(settings.to_flask())
    app.config.update(
        API_TITLE="Zalo Mini App backend",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL=f"/docs-assets/{SWAGGER_UI}/",  # vendored: /docs works offline too
        JSON_SORT_KEYS=False,
    )
    for url in (settings.DATABASE_URL, settings.WEBHOOK_INBOX_DATABASE_URL):
        if directory := sqlite_directory(url):
            os.makedirs(directory, exist_ok=True)
    from . import log_safety

    log_safety.install()  # untrusted values are escaped in every log record, one line each
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    from . import cli, ingest_store, models  # noqa: F401  (models register the schema)
    from .extensions import api, db, migrate
    from .services.staff import login_throttle

    db.init_app(app)
    ingest_store.init_app(app)
    from .queue import wakeup

    wakeup.init_app(app)
    if settings.TRUSTED_PROXY_COUNT:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.TRUSTED_PROXY_COUNT
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # client address for login limits, audit
    login_throttle.for_app(app)  # a malformed LOGIN_RATE_LIMIT or storage URI stops the start
    from .models.sql_only import include_object
    from .services.inbox import search_text
    from .services.live import changes as live_changes

    search_text.install()
    live_changes.install()  # every inbox write adds its row to the consoles' change feed
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(static_root), "migrations"),
                     include_object=include_object)
    api.init_app(app)
    from . import storage

    storage.init_app(app, api.handle_unexpected)
    api.spec.components.security_scheme("miniappSession", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme("staffBearer", {"type": "http", "scheme": "bearer",
                                                        "description": "Staff session token or integrator API key"})
    api.spec.components.security_scheme("staffCookie", {"type": "apiKey", "in": "cookie", "name": "staff_session"})

    _init_clients(app, settings)

    from .api import admin, campaign_links, edge, health, integrations, miniapp, oauth, webhooks
    from .plugins import load_plugins

    edge.init_app(app)
    from .api.no_session import NoSessionInterface

    app.session_interface = NoSessionInterface()

    if settings.MINIAPP_ALLOWED_ORIGINS:
        CORS(app, resources={r"/api/v1/miniapp/*": {}, r"/miniapp/config.json": {}},
             origins=list(settings.MINIAPP_ALLOWED_ORIGINS), max_age=600,
             allow_headers=["Authorization", "Content-Type", "Accept-Language", "Idempotency-Key"])
    for blueprint in (health.blp, miniapp.blp, webhooks.blp, oauth.blp, campaign_links.blp, *admin.blueprints(),
                      *integrations.blueprints()):
        api.register_blueprint(blueprint)
    cli.init_app(app)
    load_plugins(app)  # the CRM sync engine: its webhook, commands and worker jobs
    _init_static(app, static_root)
    return app


def _init_clients(app: Flask, settings: Config) -> None:
    """One client per remote, with base URLs from config so tests point them at loopback."""
    from .services.oa.tokens import TokenStore
    from .services.forms.sessions import SessionTokens
    from .zalo.graph import GraphClient
    from .zalo.http import ZaloHttp
    from .zalo.oa import OaClient
    from .zalo.oauth import OAuthClient
    from .zalo.zns import ZnsClient
    from .services.zns.delivery import QuotaGate

    timeout = (settings.HTTP_CONNECT_TIMEOUT, settings.HTTP_READ_TIMEOUT)
    app.extensions["zalo_graph"] = GraphClient(ZaloHttp(settings.ZALO_GRAPH_URL, timeout),
                                               settings.ZALO_APP_SECRET or "")
    oauth = OAuthClient(ZaloHttp(settings.ZALO_OAUTH_URL, timeout), settings.ZALO_APP_ID or "",
                        settings.ZALO_APP_SECRET or "")
    tokens = TokenStore(oauth, settings.SECRET_KEY or "", settings.ZALO_OA_ID or "default",
                        settings.OA_TOKEN_REFRESH_MARGIN_SECONDS, wait_seconds=2 * sum(timeout) + 5)
    app.extensions["zalo_oauth"] = oauth
    app.extensions["oa_tokens"] = tokens
    app.extensions["zalo_oa"] = OaClient(ZaloHttp(settings.ZALO_OPENAPI_URL, timeout), tokens)
    app.extensions["zalo_zns"] = ZnsClient(ZaloHttp(settings.ZALO_BUSINESS_URL, timeout), tokens)
    app.extensions["zns_quota"] = QuotaGate()
    app.extensions["session_tokens"] = SessionTokens(settings.SECRET_KEY or "", settings.SESSION_TTL_SECONDS)


def _init_static(app: Flask, static_root: str) -> None:
    """The Mini App page at /miniapp/ (plain ES modules, no build step) and its config."""
    from .services.forms.definitions import default_form_definition

    miniapp_dir = os.path.join(static_root, "miniapp")

    @app.get("/miniapp")
    def miniapp_redirect():
        return redirect("/miniapp/", code=308)

    default_form = default_form_definition()["slug"]

    @app.get("/miniapp/config.json")
    def miniapp_config():
        """What the page needs before it starts: may it use the browser development adapter, and where."""
        sandbox = bool(app.config["SANDBOX"])
        return {"sandbox": sandbox, "zalo_sandbox_url": app.config["SANDBOX_ZALO_URL"] if sandbox else None,
                "default_form": default_form}

    @app.get("/miniapp/")
    @app.get("/miniapp/<path:filename>")
    def miniapp_files(filename: str = "index.html"):
        return send_from_directory(miniapp_dir, filename)

    console_dir = os.path.join(static_root, "console")

    @app.get("/console")
    def console_redirect():
        return redirect("/console/", code=308)

    @app.get("/console/")
    @app.get("/console/<path:filename>")
    def console_files(filename: str = "index.html"):
        """The staff console (docs/console.md): vendored libraries carry their version in the path, so they are
        cached for a year; the console's own files are revalidated on every load, so an upgrade shows at once."""
        versioned = filename.startswith("vendor/")
        return send_from_directory(console_dir, filename, max_age=31536000 if versioned else 0)

    @app.get("/docs-assets/<path:filename>")
    def swagger_assets(filename: str):
        """Swagger UI for `/docs`, vendored at a pinned version (5.x reads OpenAPI 3.1); cached for a year."""
        return send_from_directory(os.path.join(static_root, "docs-assets"), filename, max_age=31536000)

    @app.get("/")
    def index():
        return redirect("/docs", code=302)
