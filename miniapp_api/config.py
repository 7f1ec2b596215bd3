"""One environment-driven configuration.

Every setting is read from the environment (a `.env` file is loaded first when
present) so that the same code runs on a laptop, in CI and in production. Outside
testing and the sandbox, missing secrets stop the process at start-up instead of
failing on the first request.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields

from dotenv import load_dotenv


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    try:
        return int(raw) if raw is not None else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = _env(name)
    try:
        return float(raw) if raw is not None else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _env_json(name: str):
    raw = _env(name)
    try:
        return json.loads(raw) if raw is not None else None
    except ValueError as exc:
        raise ConfigError(f"{name} must be JSON, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# What `make run` writes for the processes a developer starts beside it (see load_local_settings).
DEVSTACK_ENV_FILE = "devstack.env"


def var_directory() -> str:
    """Local state beside the code (never committed): the embedded SQLite file, `make run`'s key and settings."""
    return _env("VAR_DIR") or os.path.join(ROOT, "var")


def default_database_url() -> str:
    """The embedded SQLite file, kept under `var/`."""
    return "sqlite:///" + os.path.join(var_directory(), "miniapp.db")


def load_local_settings() -> None:
    """For commands started by hand (the flask CLI, gunicorn, the simulator): `.env`, then the settings the running
    `make run` uses (`var/devstack.env`), so a second terminal talks to the same product. Set variables win."""
    load_dotenv(os.path.join(ROOT, ".env"), override=False)
    load_dotenv(os.path.join(var_directory(), DEVSTACK_ENV_FILE), override=False)


REQUIRED_SECRETS = ("SECRET_KEY", "ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY")
WELCOME_KINDS = ("text", "request_user_info")
WELCOME_TEXT_MAX = 1800
# SECRET_KEY signs Mini App sessions and derives the at-rest encryption key: `secrets.token_hex(32)` is 64.
MIN_SECRET_KEY_LENGTH = 32


@dataclass
class Config:
    """Settings, with the names integrators script against (see DESIGN.md)."""

    TESTING: bool = False
    DATABASE_URL: str = field(default_factory=default_database_url)
    # Where the OA webhook stores what it accepts before the worker moves it into the inbox
    # (docs/oa.md). None: derived from DATABASE_URL by `default_inbox_url`.
    WEBHOOK_INBOX_DATABASE_URL: str | None = None
    SECRET_KEY: str | None = None
    ZALO_APP_ID: str | None = None
    ZALO_APP_SECRET: str | None = None
    ZALO_OA_ID: str | None = None
    ZALO_OA_SECRET_KEY: str | None = None
    ZALO_GRAPH_URL: str = "https://graph.zalo.me"
    ZALO_OPENAPI_URL: str = "https://openapi.zalo.me"
    ZALO_OAUTH_URL: str = "https://oauth.zaloapp.com"
    ZALO_BUSINESS_URL: str = "https://business.openapi.zalo.me"
    # The shop's Zalo Mini App (digits): form links open `https://zalo.me/s/<id>/…`; unset, the browser page
    # PUBLIC_BASE_URL/miniapp/ (services/forms/links.py).
    ZALO_MINIAPP_ID: str | None = None
    # Set by `make run` when it starts the local emulators: relaxes the secret check
    # and enables the browser development adapter of the Mini App page.
    SANDBOX: bool = False
    # Where the browser reaches the Zalo emulator's control endpoints (`make run` sets it);
    # only published to the Mini App page when SANDBOX is on.
    SANDBOX_ZALO_URL: str | None = None
    # Failed staff logins allowed per client address and per account (docs/staff.md).
    LOGIN_RATE_LIMIT: str = "10 per 15 minutes"
    # Order status → Zalo text ({order} is replaced); JSON in the environment. None: built-in Vietnamese texts.
    ORDER_STATUS_MESSAGES: dict | None = None
    # Order status → ZNS template sent when the OA messaging window is closed (docs/oa.md "ZNS"); JSON
    # {"shipping": {"template_id": "…", "params": {"order_code": "order.code", …}}}. None: no fallback.
    ZNS_ORDER_TEMPLATES: dict | None = None
    # Send ZNS with `mode: development` (delivered only to the app's and OA's admins; for trying templates).
    ZNS_DEVELOPMENT_MODE: bool = False
    # Where login counters live: empty for the product's own database, or `redis://…`.
    RATELIMIT_STORAGE_URI: str = ""
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (0: none, use the peer address).
    TRUSTED_PROXY_COUNT: int = 0
    # Origins allowed to call the Mini App API from a browser (the Mini App is hosted by Zalo).
    MINIAPP_ALLOWED_ORIGINS: tuple[str, ...] = ()
    SESSION_TTL_SECONDS: int = 3600
    HTTP_CONNECT_TIMEOUT: float = 3.05
    HTTP_READ_TIMEOUT: float = 10.0
    MAX_CONTENT_LENGTH: int = 256 * 1024
    IDEMPOTENCY_TTL_HOURS: int = 24
    CONSOLE_CHANGES_KEEP_HOURS: int = 24  # how long the consoles' change feed keeps a row (docs/console/live.md)
    PUBLIC_BASE_URL: str = "http://127.0.0.1:8000"
    # OA: welcome message on follow (see docs/oa.md), auto-reply cooldown, token refresh margin.
    OA_WELCOME_ENABLED: bool = True
    OA_WELCOME_LANG: str = "vi"  # vi, en, or vi+en (both, Vietnamese first)
    OA_WELCOME_TEXT_VI: str = ("Cảm ơn bạn đã quan tâm đến cửa hàng! Để lại thông tin để chúng tôi "
                               "tư vấn nhanh nhất nhé.")
    OA_WELCOME_TEXT_EN: str = "Thanks for following us! Leave your details and we will get back to you shortly."
    # What the welcome is: `text` (the text, plus the form link when OA_WELCOME_FORM_LINK) or
    # `request_user_info` (Zalo's info-request card, OA_INFO_REQUEST_*).
    OA_WELCOME_KIND: str = "text"
    OA_WELCOME_FORM_LINK: bool = True
    # Zalo's request_user_info card (welcome, staff, auto-reply rules): title ≤ 100, subtitle ≤ 500 characters,
    # an image Zalo can fetch (empty: PUBLIC_BASE_URL/miniapp/info-card.png, shipped with the page).
    OA_INFO_REQUEST_TITLE: str = "Để lại thông tin cho cửa hàng"
    OA_INFO_REQUEST_SUBTITLE: str = "Chia sẻ tên, số điện thoại và địa chỉ để cửa hàng tư vấn cho bạn nhanh nhất."
    OA_INFO_REQUEST_IMAGE_URL: str = ""
    OA_AUTO_REPLY_COOLDOWN_SECONDS: int = 600
    OA_TOKEN_REFRESH_MARGIN_SECONDS: int = 3600
    # History backfill when the OA is connected (docs/oa.md "History backfill"): how many recent conversations,
    # how many messages of each, and the pause between two of its calls to Zalo.
    OA_BACKFILL_CONVERSATIONS: int = 50
    OA_BACKFILL_MESSAGES: int = 100
    OA_BACKFILL_INTERVAL_SECONDS: float = 1.0
    OA_QUOTA_CACHE_SECONDS: int = 300  # how long Zalo's answer about one user's window is trusted
    # CRM sync: retry delays in seconds, comma-separated (empty: 5s, 5m, 30m, 2h, 5h, 10h, 10h).
    # (Claims are held by short leases a worker's heartbeat renews: miniapp_api/queue/__init__.py LEASE.)
    CRM_RETRY_SCHEDULE: str = ""
    # Webhook endpoints (docs/sync.md): a connector that disables itself does so after failing this long with no
    # success (Svix: 5 days); a rotated signing secret keeps signing beside the new one this long.
    CRM_DISABLE_FAILING_AFTER_HOURS: int = 120
    CRM_SECRET_ROTATION_OVERLAP_HOURS: int = 24
    # Inbox: route waiting conversations to available agents (round-robin within capacity);
    # move a conversation whose assignee has not replied for this many minutes (0: never).
    INBOX_AUTO_ASSIGN: bool = False
    INBOX_REASSIGN_AFTER_MINUTES: int = 0
    # Metrics (docs/metrics.md): opening hours response times are measured in (empty: every hour
    # counts), e.g. "mon-sat 08:00-21:00", Asia/Ho_Chi_Minh; days an order may follow a form
    # submission to count as its conversion.
    BUSINESS_HOURS: str = ""
    # The scheduler's own lines (two INFO per job run, a WARNING per tick skipped while a run is still going);
    # off unless debugging the scheduler. Job failures are logged either way.
    WORKER_LOG_TICKS: bool = False
    # Wake the worker when work is queued (PostgreSQL LISTEN/NOTIFY; SQLite: a local datagram socket in
    # WORKER_WAKEUP_DIR, default `<database>-wakeup/` beside the file); off: polling only (docs/worker.md).
    WORKER_WAKEUP: bool = True
    WORKER_WAKEUP_DIR: str | None = None
    # How often the worker looks for queued work nobody announced (the fallback poll); None: 2 s with
    # wake-ups, 0.5 s without.
    WORKER_POLL_SECONDS: float | None = None
    METRICS_CONVERSION_WINDOW_DAYS: int = 30
    # Staff with the viewer role see phone numbers masked (+84 91* *** *78) unless the owner sets this.
    VIEWERS_SEE_FULL_PHONES: bool = False
    # Campaigns (docs/campaigns.md): at most this many marketing messages per customer per 7 days across
    # campaigns; no marketing sends in these hours (Vietnam time; empty: none); words a customer sends to stop
    # marketing messages (comma-separated, case and diacritics ignored); days an order counts for the campaign
    # that last reached the customer.
    CAMPAIGN_FREQUENCY_CAP: int = 2
    CAMPAIGN_QUIET_HOURS: str = "21:00-08:00"
    CAMPAIGN_OPT_OUT_KEYWORDS: str = "HUY,STOP"
    CAMPAIGN_ATTRIBUTION_DAYS: int = 7
    # Overrides that are not settings of their own (e.g. Flask keys a test sets).
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides) -> "Config":
        """Build the configuration from the environment, then apply overrides."""
        load_dotenv(override=False)
        values = {
            "TESTING": _env_bool("TESTING", False),
            "DATABASE_URL": _env("DATABASE_URL", default_database_url()),
            "WEBHOOK_INBOX_DATABASE_URL": _env("WEBHOOK_INBOX_DATABASE_URL"),
            "SECRET_KEY": _env("SECRET_KEY"),
            "ZALO_APP_ID": _env("ZALO_APP_ID"),
            "ZALO_APP_SECRET": _env("ZALO_APP_SECRET"),
            "ZALO_OA_ID": _env("ZALO_OA_ID"),
            "ZALO_OA_SECRET_KEY": _env("ZALO_OA_SECRET_KEY"),
            "ZALO_GRAPH_URL": _env("ZALO_GRAPH_URL", cls.ZALO_GRAPH_URL),
            "ZALO_OPENAPI_URL": _env("ZALO_OPENAPI_URL", cls.ZALO_OPENAPI_URL),
            "ZALO_OAUTH_URL": _env("ZALO_OAUTH_URL", cls.ZALO_OAUTH_URL),
            "ZALO_BUSINESS_URL": _env("ZALO_BUSINESS_URL", cls.ZALO_BUSINESS_URL),
            "ZALO_MINIAPP_ID": _env("ZALO_MINIAPP_ID"),
            "SANDBOX": _env_bool("SANDBOX", False),
            "SANDBOX_ZALO_URL": _env("SANDBOX_ZALO_URL"),
            "LOGIN_RATE_LIMIT": _env("LOGIN_RATE_LIMIT", cls.LOGIN_RATE_LIMIT),
            "ORDER_STATUS_MESSAGES": _env_json("ORDER_STATUS_MESSAGES"),
            "ZNS_ORDER_TEMPLATES": _env_json("ZNS_ORDER_TEMPLATES"),
            "ZNS_DEVELOPMENT_MODE": _env_bool("ZNS_DEVELOPMENT_MODE", cls.ZNS_DEVELOPMENT_MODE),
            "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", cls.RATELIMIT_STORAGE_URI),
            "TRUSTED_PROXY_COUNT": _env_int("TRUSTED_PROXY_COUNT", cls.TRUSTED_PROXY_COUNT),
            "MINIAPP_ALLOWED_ORIGINS": tuple(o.strip() for o in (_env("MINIAPP_ALLOWED_ORIGINS") or "").split(",")
                                             if o.strip()),
            "SESSION_TTL_SECONDS": _env_int("SESSION_TTL_SECONDS", cls.SESSION_TTL_SECONDS),
            "HTTP_CONNECT_TIMEOUT": _env_float("HTTP_CONNECT_TIMEOUT", cls.HTTP_CONNECT_TIMEOUT),
            "HTTP_READ_TIMEOUT": _env_float("HTTP_READ_TIMEOUT", cls.HTTP_READ_TIMEOUT),
            "IDEMPOTENCY_TTL_HOURS": _env_int("IDEMPOTENCY_TTL_HOURS", cls.IDEMPOTENCY_TTL_HOURS),
            "CONSOLE_CHANGES_KEEP_HOURS": _env_int("CONSOLE_CHANGES_KEEP_HOURS", cls.CONSOLE_CHANGES_KEEP_HOURS),
            "PUBLIC_BASE_URL": _env("PUBLIC_BASE_URL", cls.PUBLIC_BASE_URL),
            "OA_WELCOME_ENABLED": _env_bool("OA_WELCOME_ENABLED", cls.OA_WELCOME_ENABLED),
            "OA_WELCOME_LANG": _env("OA_WELCOME_LANG", cls.OA_WELCOME_LANG),
            "OA_WELCOME_TEXT_VI": _env("OA_WELCOME_TEXT_VI", cls.OA_WELCOME_TEXT_VI),
            "OA_WELCOME_TEXT_EN": _env("OA_WELCOME_TEXT_EN", cls.OA_WELCOME_TEXT_EN),
            "OA_WELCOME_KIND": _env("OA_WELCOME_KIND", cls.OA_WELCOME_KIND),
            # OA_WELCOME_FORM_BUTTON: the name before the button shape was dropped (docs/oa.md "Welcome message").
            "OA_WELCOME_FORM_LINK": _env_bool("OA_WELCOME_FORM_LINK",
                                              _env_bool("OA_WELCOME_FORM_BUTTON", cls.OA_WELCOME_FORM_LINK)),
            "OA_INFO_REQUEST_TITLE": _env("OA_INFO_REQUEST_TITLE", cls.OA_INFO_REQUEST_TITLE),
            "OA_INFO_REQUEST_SUBTITLE": _env("OA_INFO_REQUEST_SUBTITLE", cls.OA_INFO_REQUEST_SUBTITLE),
            "OA_INFO_REQUEST_IMAGE_URL": _env("OA_INFO_REQUEST_IMAGE_URL", cls.OA_INFO_REQUEST_IMAGE_URL),
            "OA_AUTO_REPLY_COOLDOWN_SECONDS": _env_int("OA_AUTO_REPLY_COOLDOWN_SECONDS",
                                                       cls.OA_AUTO_REPLY_COOLDOWN_SECONDS),
            "OA_TOKEN_REFRESH_MARGIN_SECONDS": _env_int("OA_TOKEN_REFRESH_MARGIN_SECONDS",
                                                        cls.OA_TOKEN_REFRESH_MARGIN_SECONDS),
            "OA_BACKFILL_CONVERSATIONS": _env_int("OA_BACKFILL_CONVERSATIONS", cls.OA_BACKFILL_CONVERSATIONS),
            "OA_BACKFILL_MESSAGES": _env_int("OA_BACKFILL_MESSAGES", cls.OA_BACKFILL_MESSAGES),
            "OA_BACKFILL_INTERVAL_SECONDS": _env_float("OA_BACKFILL_INTERVAL_SECONDS",
                                                       cls.OA_BACKFILL_INTERVAL_SECONDS),
            "OA_QUOTA_CACHE_SECONDS": _env_int("OA_QUOTA_CACHE_SECONDS", cls.OA_QUOTA_CACHE_SECONDS),
            "CRM_RETRY_SCHEDULE": _env("CRM_RETRY_SCHEDULE", cls.CRM_RETRY_SCHEDULE),
            "CRM_DISABLE_FAILING_AFTER_HOURS": _env_int("CRM_DISABLE_FAILING_AFTER_HOURS",
                                                        cls.CRM_DISABLE_FAILING_AFTER_HOURS),
            "CRM_SECRET_ROTATION_OVERLAP_HOURS": _env_int("CRM_SECRET_ROTATION_OVERLAP_HOURS",
                                                          cls.CRM_SECRET_ROTATION_OVERLAP_HOURS),
            "INBOX_AUTO_ASSIGN": _env_bool("INBOX_AUTO_ASSIGN", cls.INBOX_AUTO_ASSIGN),
            "INBOX_REASSIGN_AFTER_MINUTES": _env_int("INBOX_REASSIGN_AFTER_MINUTES",
                                                     cls.INBOX_REASSIGN_AFTER_MINUTES),
            "BUSINESS_HOURS": _env("BUSINESS_HOURS", cls.BUSINESS_HOURS),
            "WORKER_LOG_TICKS": _env_bool("WORKER_LOG_TICKS", cls.WORKER_LOG_TICKS),
            "WORKER_WAKEUP": _env_bool("WORKER_WAKEUP", cls.WORKER_WAKEUP),
            "WORKER_WAKEUP_DIR": _env("WORKER_WAKEUP_DIR"),
            "WORKER_POLL_SECONDS": _env_float("WORKER_POLL_SECONDS", 0) or None,
            "METRICS_CONVERSION_WINDOW_DAYS": _env_int("METRICS_CONVERSION_WINDOW_DAYS",
                                                       cls.METRICS_CONVERSION_WINDOW_DAYS),
            "VIEWERS_SEE_FULL_PHONES": _env_bool("VIEWERS_SEE_FULL_PHONES", cls.VIEWERS_SEE_FULL_PHONES),
            "CAMPAIGN_FREQUENCY_CAP": _env_int("CAMPAIGN_FREQUENCY_CAP", cls.CAMPAIGN_FREQUENCY_CAP),
            "CAMPAIGN_QUIET_HOURS": _env("CAMPAIGN_QUIET_HOURS", cls.CAMPAIGN_QUIET_HOURS),
            "CAMPAIGN_OPT_OUT_KEYWORDS": _env("CAMPAIGN_OPT_OUT_KEYWORDS", cls.CAMPAIGN_OPT_OUT_KEYWORDS),
            "CAMPAIGN_ATTRIBUTION_DAYS": _env_int("CAMPAIGN_ATTRIBUTION_DAYS", cls.CAMPAIGN_ATTRIBUTION_DAYS),
        }
        values.update(overrides)
        if not values["WORKER_POLL_SECONDS"]:
            values["WORKER_POLL_SECONDS"] = 2.0 if values["WORKER_WAKEUP"] else 0.5
        values["DATABASE_URL"] = normalise_database_url(values["DATABASE_URL"])
        values["WEBHOOK_INBOX_DATABASE_URL"] = normalise_database_url(
            values["WEBHOOK_INBOX_DATABASE_URL"] or default_inbox_url(values["DATABASE_URL"]))
        known = {f.name for f in fields(cls)} - {"extra"}
        extra = {k: v for k, v in values.items() if k not in known}
        return cls(**{k: v for k, v in values.items() if k in known}, extra=extra)

    def validate(self) -> None:
        """Fail fast when a process lacks a secret or has a weak SECRET_KEY.

        Tests may run without secrets. The sandbox gets its Zalo credentials from the
        emulator, but never signs sessions with an empty or guessable key: anyone could
        forge a Mini App session on a sandbox reachable from the network.
        """
        if self.TRUSTED_PROXY_COUNT < 0:
            raise ConfigError("TRUSTED_PROXY_COUNT is the number of proxies in front of the app: 0 or more")
        if self.ZALO_MINIAPP_ID and not (self.ZALO_MINIAPP_ID.isascii() and self.ZALO_MINIAPP_ID.isdigit()):
            raise ConfigError(f"ZALO_MINIAPP_ID is the Mini App's id (digits), got {self.ZALO_MINIAPP_ID!r}")
        if self.OA_WELCOME_KIND not in WELCOME_KINDS:
            raise ConfigError(f"OA_WELCOME_KIND must be one of {', '.join(WELCOME_KINDS)}, "
                              f"got {self.OA_WELCOME_KIND!r}")
        if len(self.OA_WELCOME_TEXT_VI) + len(self.OA_WELCOME_TEXT_EN) > WELCOME_TEXT_MAX:
            raise ConfigError(f"OA_WELCOME_TEXT_VI and OA_WELCOME_TEXT_EN together are at most {WELCOME_TEXT_MAX} "
                              "characters: Zalo takes 2000 per text, and the form link needs room")
        if len(self.OA_INFO_REQUEST_TITLE) > 100 or len(self.OA_INFO_REQUEST_SUBTITLE) > 500:
            raise ConfigError("OA_INFO_REQUEST_TITLE is at most 100 characters, OA_INFO_REQUEST_SUBTITLE 500 (Zalo)")
        from .services.zns.order_templates import check_config

        if problems := check_config(self.ZNS_ORDER_TEMPLATES):
            raise ConfigError("ZNS_ORDER_TEMPLATES: " + "; ".join(problems))
        if self.CAMPAIGN_QUIET_HOURS:
            from .services.oa.auto_reply import RuleInvalid, parse_hours

            try:
                parse_hours(self.CAMPAIGN_QUIET_HOURS)
            except RuleInvalid as exc:
                raise ConfigError(f"CAMPAIGN_QUIET_HOURS: {exc}") from exc
        if self.WORKER_POLL_SECONDS is not None and self.WORKER_POLL_SECONDS < 0:
            raise ConfigError("WORKER_POLL_SECONDS must be a positive number of seconds")
        if self.TESTING:
            return
        required = ("SECRET_KEY",) if self.SANDBOX else REQUIRED_SECRETS
        missing = [name for name in required if not getattr(self, name)]
        if missing:
            raise ConfigError("missing required settings: " + ", ".join(missing) + " (set them in the environment "
                              "or .env, see README \"Configuration\"; beside `make run` they come from "
                              "var/devstack.env, written when it starts)")
        if len(self.SECRET_KEY) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters; generate one with "
                              "python -c 'import secrets; print(secrets.token_hex(32))'")

    def to_flask(self) -> dict:
        """The mapping handed to `app.config`."""
        mapping = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        mapping.update(self.extra)
        mapping["SQLALCHEMY_DATABASE_URI"] = self.DATABASE_URL
        mapping["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(self.DATABASE_URL)
        mapping["HTTP_TIMEOUT"] = (self.HTTP_CONNECT_TIMEOUT, self.HTTP_READ_TIMEOUT)
        return mapping


def engine_options(url: str) -> dict:
    """Engine settings per backend: SQLite waits on locks. (PostgreSQL's pool pings connections that rested in
    it: `miniapp_api.pool_ping`, cheaper than `pool_pre_ping`.)

    `hide_parameters`: a database error logged with its traceback would otherwise print the
    statement's values (phones, names, message text) into the log.
    """
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}, "hide_parameters": True}
    return {"hide_parameters": True}


def sqlite_directory(url: str) -> str | None:
    """The folder a SQLite file URL lives in (created at start-up), else None."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return os.path.dirname(os.path.abspath(parsed.database)) or None


def default_inbox_url(url: str) -> str:
    """The webhook's ingest store: a file beside a SQLite database (`miniapp.db` → `miniapp-inbox.db`), so
    accepting an event never queues behind the main file's single writer; else the same database, where
    an INSERT does not wait for other transactions' row locks."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return url
    stem, extension = os.path.splitext(parsed.database)
    return parsed.set(database=f"{stem}-inbox{extension or '.db'}").render_as_string(hide_password=False)


def normalise_database_url(url: str) -> str:
    """`postgres://` and `postgresql://` (as hosting providers write them) use psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
