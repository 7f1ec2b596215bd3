"""The OpenAPI document's `webhooks` section tells the truth: every event the webhook connector can send is
described, its example fits its schema, and what the product really delivers to a receiver (a form, a CRM order,
a merge, an erasure) fits the schema of its type."""
from __future__ import annotations

import jsonschema_rs
import pytest

from crm_sync.admin import save_connector
from crm_sync.connectors.webhook import WebhookClient
from miniapp_api.extensions import db
from miniapp_api.services.integrations.feed import EVENT_TYPES
from tests.customer_helpers import add_order, call, full_customer
from tests.staff_helpers import staff_headers
from tests.sync_helpers import new_customer, sync

pytestmark = pytest.mark.usefixtures("frozen_clock")


def _webhooks(client) -> dict:
    response = client.get("/openapi.json")
    spec = response.get_json()
    response.close()
    assert spec["openapi"].startswith("3.1")
    return spec["webhooks"]


def _schema(webhooks: dict, event_type: str) -> dict:
    return webhooks[event_type]["post"]["requestBody"]["content"]["application/json"]["schema"]


def test_every_event_the_connector_sends_is_described_with_an_example_that_fits(client):
    webhooks = _webhooks(client)
    assert sorted(webhooks) == sorted(WebhookClient.supported_events) == sorted(EVENT_TYPES)  # the event feed's too
    for event_type, item in webhooks.items():
        post = item["post"]
        assert {p["name"] for p in post["parameters"]} == {"webhook-id", "webhook-timestamp", "webhook-signature"}
        assert post["x-default-subscription"] == (event_type in WebhookClient.default_events)
        content = post["requestBody"]["content"]["application/json"]
        jsonschema_rs.validate(content["schema"], content["example"])
        with pytest.raises(jsonschema_rs.ValidationError):  # the schema is not a shrug: another type is refused
            jsonschema_rs.validate(content["schema"], {**content["example"], "type": "customer.other"})


def test_what_a_receiver_gets_fits_the_schema_of_its_type(app, client, oa, webhook_receiver):
    with app.app_context():
        save_connector(db.session, app.config["SECRET_KEY"], "hooks", "webhook", base_url=webhook_receiver.url,
                       credentials={"secret": webhook_receiver.secret}, events=list(WebhookClient.supported_events),
                       rate_limit_per_second=0)
        db.session.commit()
    owner = staff_headers(app, client, "owner")
    lan = full_customer(client, app, oa, order=False)
    other = new_customer(app, phone="+84912000002", name="Nguyễn Thị Lan")  # typed into a CRM: not verified
    with app.app_context():
        add_order(lan["ref"], "SO-1", status="shipping", day=1)
        add_order(lan["ref"], "SO-1", status="delivered", day=2)
    assert call(client, "POST", f"/customers/{lan['ref']}/merge", owner, json={"other_ref": other})[0] == 200
    sync(app, "hooks")  # an erasure cancels what is still queued about the person
    assert call(client, "POST", f"/customers/{lan['ref']}/erase", owner)[0] == 200
    sync(app, "hooks")

    bodies = list(webhook_receiver.accepted.values())
    assert {body["type"] for body in bodies} == set(WebhookClient.supported_events)
    webhooks = _webhooks(client)
    for body in bodies:
        jsonschema_rs.validate(_schema(webhooks, body["type"]), body)
