"""gunicorn and flask CLI entry point: `gunicorn wsgi:app`, `FLASK_APP=wsgi.py flask …`.

Serves HTTP only; the worker is its own process. Settings come from the environment, `.env`,
and, beside `make run`, the settings it wrote to `var/devstack.env`. A configuration error is
one line on stderr and exit status 1, not a traceback.
"""
from miniapp_api import create_app
from miniapp_api.config import ConfigError, load_local_settings

load_local_settings()
try:
    app = create_app()
except ConfigError as error:
    raise SystemExit(f"configuration error: {error}") from None
