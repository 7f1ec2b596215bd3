"""Orders back from ShopOne: keyset pull that never skips equal timestamps, status history and the
`order.status_changed` hook, signed pushes to /webhooks/crm/<name>."""
import json

import sqlalchemy as sa

from crm_sync import standard_webhooks
from miniapp_api.extensions import db
from miniapp_api.models import Order, OrderStatusChange, OutboxEvent
from tests.sync_helpers import add_shopone, new_customer, shopone_taking_pushes, sync

SAME_TIME = "2026-11-01T02:00:00Z"


def _orders(app):
    with app.app_context():
        return {o.external_id: (o.status, o.customer_id) for o in db.session.scalars(sa.select(Order))}


def test_pull_never_skips_orders_sharing_a_timestamp(app, shopone, frozen_clock):
    add_shopone(app, shopone, pull_orders=True)
    ref = new_customer(app)
    for n in range(7):
        shopone.put_order({"id": f"SO-{n:03d}", "status": "new", "customer_ref": ref, "total": 150000,
                           "updated_at": SAME_TIME})
    app.config["CRM_ORDER_PAGE_SIZE"] = 3
    runs, _ = sync(app)
    assert runs[1][:2] == ("pull", 7)
    assert len(_orders(app)) == 7
    pages = [r["args"] for r in shopone.requests if r["path"] == "/orders"]
    assert [p.get("cursor") for p in pages] == [None, "SO-002", "SO-005"]
    assert {p["updated_after"] for p in pages[1:]} == {"2026-11-01T02:00:00Z"}
    shopone.put_order({"id": "SO-007", "status": "new", "phone": "0987654321", "updated_at": SAME_TIME})
    runs, _ = sync(app)
    assert runs[1][:2] == ("pull", 1), "a late order with the same timestamp is still found"


def test_status_changes_keep_history_and_publish_the_hook(app, shopone, frozen_clock):
    add_shopone(app, shopone, pull_orders=True, events=["customer.upserted"])
    ref = new_customer(app)
    shopone.put_order({"id": "SO-1", "status": "new", "customer_ref": ref, "updated_at": "2026-11-01T02:00:00Z"})
    sync(app)
    shopone.put_order({"id": "SO-1", "status": "shipping", "updated_at": "2026-11-01T02:30:00Z"})
    sync(app)
    sync(app)  # nothing changed: no new history, no event
    with app.app_context():
        order = db.session.scalar(sa.select(Order))
        assert [(h.old_status, h.new_status) for h in order.history] == [(None, "new"), ("new", "shipping")]
        events = db.session.scalars(sa.select(OutboxEvent).where(OutboxEvent.event_type == "order.status_changed")
                                    .order_by(OutboxEvent.id)).all()
        assert [(e.payload["old_status"], e.payload["new_status"]) for e in events] == [(None, "new"),
                                                                                        ("new", "shipping")]
        assert events[1].aggregate_id == ref and events[1].payload["customer_ref"] == ref
        assert events[1].payload["order"]["external_id"] == "SO-1"


def test_order_links_to_the_customer_by_phone(app, shopone, frozen_clock):
    add_shopone(app, shopone, pull_orders=True)
    ref = new_customer(app, "+84912345678")
    shopone.put_order({"id": "SO-9", "status": "new", "phone": "0912 345 678", "updated_at": SAME_TIME})
    shopone.put_order({"id": "SO-10", "status": "new", "phone": "0987654321", "customer_name": "Trần Thị Bình",
                       "updated_at": SAME_TIME})
    sync(app)
    with app.app_context():
        from miniapp_api.models import Customer

        linked = {o.external_id: o.customer_id and db.session.get(Customer, o.customer_id).ref
                  for o in db.session.scalars(sa.select(Order))}
        assert linked["SO-9"] == ref
        assert linked["SO-10"] is None, "an unknown phone proves nothing: the order waits unlinked for staff"


def _push(client, secret, orders, *, now, msg_id="msg_1"):
    body = json.dumps({"orders": orders}).encode()
    headers = standard_webhooks.signed_headers(secret, msg_id, int(now.timestamp()), body)
    return client.post("/webhooks/crm/shopone", data=body, headers={**headers, "Content-Type": "application/json"})


def test_signed_push_upserts_orders_and_a_resend_changes_nothing(app, client, shopone, frozen_clock):
    secret = shopone_taking_pushes(app, shopone)
    order = {"id": "SO-42", "status": "confirmed", "phone": "0912345678", "total": 99000,
             "updated_at": "2026-11-01T02:59:00Z"}
    for _ in range(2):
        response = _push(client, secret, [order], now=frozen_clock.now())
        assert response.status_code == 200 and response.get_json() == {"received": 1}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderStatusChange)) == 1
        assert db.session.scalar(sa.select(Order.total_vnd)) == 99000


def test_push_with_a_bad_signature_or_unknown_connector_is_refused(app, client, shopone, frozen_clock):
    secret = shopone_taking_pushes(app, shopone)
    order = {"id": "SO-1", "status": "new", "updated_at": SAME_TIME}
    forged = _push(client, standard_webhooks.new_secret(), [order], now=frozen_clock.now())
    assert forged.status_code == 401 and forged.mimetype == "application/problem+json"
    stale = _push(client, secret, [order], now=frozen_clock.now().replace(year=2025))
    assert stale.status_code == 401
    assert client.post("/webhooks/crm/nope", data=b"{}").status_code == 404
    assert _orders(app) == {}
