"""Connectors as data from the CLI, and the generic Standard Webhooks connector end to end."""
import json

import sqlalchemy as sa

from tests.sync_helpers import connector, new_customer, phones, statuses, sync


def test_connectors_cli_add_is_idempotent_and_never_prints_secrets(runner, shopone, monkeypatch):
    monkeypatch.setenv("SHOPONE_KEY_FOR_TEST", shopone.api_key)
    args = ["connectors", "add", "shop", "--kind", "shopone", "--url", shopone.url,
            "--credential", "api_key=env:SHOPONE_KEY_FOR_TEST", "--schedule", "*/10 * * * *", "--batch-size", "20"]
    assert runner.invoke(args=args).output.startswith("added shop (shopone")
    assert runner.invoke(args=args).output.startswith("updated shop")
    listing = runner.invoke(args=["connectors", "list"]).output
    assert listing.split("\t")[:4] == ["shop", "shopone", "enabled", "*/10 * * * *"]
    shown = runner.invoke(args=["connectors", "show", "shop"]).output
    assert "api_key=***" in shown and shopone.api_key not in shown
    tested = runner.invoke(args=["connectors", "test", "shop"])
    assert tested.exit_code == 0 and "answered HTTP 200" in tested.output
    assert runner.invoke(args=["connectors", "disable", "shop"]).output == "shop disabled\n"


def test_connectors_cli_explains_bad_settings(runner, shopone):
    def add(*extra):
        return runner.invoke(args=["connectors", "add", "x", "--kind", "shopone", "--url", shopone.url, *extra])

    assert "needs credentials: api_key" in add().output
    assert "cannot deliver order.status_changed" in add("--credential", "api_key=k",
                                                        "--event", "order.status_changed").output
    assert "use 'immediate', 'every 30s'" in add("--credential", "api_key=k", "--schedule", "often").output
    result = runner.invoke(args=["connectors", "add", "y", "--kind", "webhook", "--url", "http://127.0.0.1:1",
                                 "--credential", "secret=whsec_AAAA", "--pull-orders"])
    assert "cannot pull orders" in result.output


def test_connector_test_reports_a_refused_key(runner, shopone):
    runner.invoke(args=["connectors", "add", "shop", "--kind", "shopone", "--url", shopone.url,
                        "--credential", "api_key=wrong"])
    result = runner.invoke(args=["connectors", "test", "shop"])
    assert result.exit_code == 1 and "HTTP 401" in result.output


def test_webhook_connector_signs_every_delivery_and_keeps_the_id_across_retries(app, runner, webhook_receiver,
                                                                                 frozen_clock):
    result = runner.invoke(args=["connectors", "add", "hooks", "--kind", "webhook", "--url", webhook_receiver.url,
                                 "--credential", f"secret={webhook_receiver.secret}", "--rate-limit", "0"])
    assert result.exit_code == 0, result.output
    refs = [new_customer(app, p) for p in phones(3)]
    webhook_receiver.fail_next = 1
    sync(app, "hooks")
    frozen_clock.advance(seconds=6)
    sync(app, "hooks")
    assert webhook_receiver.rejected == 0, "every signature verified"
    bodies = list(webhook_receiver.accepted.values())
    assert sorted(b["data"]["ref"] for b in bodies) == sorted(refs)
    assert {b["type"] for b in bodies} == {"customer.upserted"}
    assert all(msg_id.startswith("dlv_") for msg_id in webhook_receiver.accepted)
    assert statuses(app, "hooks") == {"done": 3}
    assert connector(app, "hooks").events == ["customer.upserted", "customer.merged", "customer.erased",
                                             "form.submitted"]


def test_crm_sync_and_status_commands(app, runner, shopone, frozen_clock):
    runner.invoke(args=["connectors", "add", "shopone", "--kind", "shopone", "--url", shopone.url,
                        "--credential", f"api_key={shopone.api_key}"])
    new_customer(app)
    output = runner.invoke(args=["crm", "sync", "--connector", "shopone"]).output
    assert output == "shopone push: sent 1, failed 0, dead 0, lag 0s\n"
    status = runner.invoke(args=["crm", "status"]).output
    assert "shopone (shopone) enabled: pending 0, dead 0, done 1, lag 0s" in status
    assert "last push: sent 1" in status
    assert "no connector named" in runner.invoke(args=["crm", "sync", "--connector", "nope"]).output
    assert json.loads(json.dumps(shopone.customers))  # what arrived is plain JSON


def test_credentials_are_stored_encrypted(app, shopone):
    from miniapp_api.extensions import db
    from tests.sync_helpers import add_shopone

    add_shopone(app, shopone)
    with app.app_context():
        stored = db.session.execute(sa.text("SELECT credentials_encrypted FROM connector")).scalar_one()
    assert shopone.api_key not in stored
