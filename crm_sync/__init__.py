"""The CRM sync engine: connectors, fan-out, dispatch, order pull and their commands and jobs.

A plugin of `miniapp_api`: it imports the application's models and its
durable queue (`miniapp_api.queue`), never the reverse. The application
finds it by name (`miniapp_api.plugins`) and calls `init_app`, which adds
the CRM order webhook and the integrators' order push, the staff API for connectors and dead letters
(`/api/v1/admin/sync`), the `flask connectors` and `flask crm` commands and
the worker's sync jobs, and describes what webhook endpoints receive in the
OpenAPI document's `webhooks` section (`webhook_catalog`).
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from miniapp_api.extensions import api
    from miniapp_api.worker import add_job_installer

    from . import api as sync_api
    from .cli_connectors import connectors_cli
    from .cli_sync import crm_cli
    from .jobs import install_jobs
    from .order_webhooks import blp, integrator_blp
    from .webhook_catalog import openapi_webhooks

    api.register_blueprint(blp)
    api.register_blueprint(integrator_blp)
    api.spec.options["webhooks"] = openapi_webhooks()
    api.register_blueprint(sync_api.blp)
    app.cli.add_command(connectors_cli)
    app.cli.add_command(crm_cli)
    add_job_installer(app, install_jobs)
