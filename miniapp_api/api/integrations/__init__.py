"""Routes for integrators' API keys (and owners, admins): pulling what happened (docs/connectors.md)."""


def blueprints() -> list:
    from . import events

    return [events.blp]
