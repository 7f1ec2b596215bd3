"""Routes for integrators' API keys (and owners, admins): the event feed and customers by CRM id
(docs/connectors.md); the order push is the CRM sync plugin's (crm_sync/order_webhooks.py)."""


def blueprints() -> list:
    from . import customers, events

    return [events.blp, customers.blp]
