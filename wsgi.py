"""gunicorn entry point: `gunicorn wsgi:app`. Serves HTTP only; the worker is its own process."""
from miniapp_api import create_app

app = create_app()
