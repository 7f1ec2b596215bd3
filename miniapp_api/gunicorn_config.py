"""gunicorn settings used by `make run`, the benchmarks and the deployment guide.

Load with `gunicorn -c python:miniapp_api.gunicorn_config wsgi:app`; every value
can be overridden from the environment (WEB_CONCURRENCY, BIND, ...).

On the embedded SQLite database one process with more threads is the default:
SQLite has one writer at a time, threads of one process queue for it in order
(see `extensions._sqlite_writers`), while several processes poll for it and the
latency tail grows tenfold. PostgreSQL gets several processes.
"""
import os

from miniapp_api import log_safety
from miniapp_api.config import Config

log_safety.install()  # the master's records too (workers install it in create_app)

_sqlite = Config.from_env().DATABASE_URL.startswith("sqlite")

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "1" if _sqlite else "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8" if _sqlite else "4"))
worker_class = "miniapp_api.gunicorn_worker.ProblemThreadWorker"  # gthread; its own errors in problem+json
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
# The path without its query string, and no referrer: staff search by phone or name (`/search?q=0912…`),
# and personal data must not reach the logs. Paths carry only refs and row ids.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
# Zalo's webhook must be answered within ~2 s; anything slower is a bug, so keep the backlog short.
backlog = 256
