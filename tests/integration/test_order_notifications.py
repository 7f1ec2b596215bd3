"""An order status change from the CRM queues a Zalo message: with a template, consent and an open window."""
import json

import pytest
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Customer, OaContact, OutboxEvent
from miniapp_api.services.customers.consents import record_consent
from tests.helpers import bearer, open_session
from tests.oa_helpers import customer_says, run_worker
from tests.sync_helpers import add_shopone, sync


def _oa_customer(app, client, oa, *, consent: bool | None):
    """A customer who shared their phone through Zalo (verified) and just wrote to the OA (window open), with or
    without marketing consent. Order news only ever goes to a verified phone (docs/profiles.md)."""
    user = oa.create_user("Nguyễn Văn An", phone="84912345678")
    session = open_session(client, oa, user)
    token, code = oa.issue_access_token(user.app_user_id), oa.issue_phone_code(user.app_user_id)
    assert client.post("/api/v1/miniapp/phone", json={"access_token": token, "code": code},
                       headers=bearer(session)).status_code == 200
    customer_says(client, oa, user, "text", text="Đơn của tôi sao rồi?")
    run_worker(app)
    with app.app_context():
        contact = db.session.scalar(sa.select(OaContact))
        customer = db.session.get(Customer, contact.customer_id)
        if consent is not None:
            record_consent(db.session, customer.id, "marketing", consent, source="test")
        db.session.commit()
        return customer.ref


def _status_events(app):
    with app.app_context():
        return [e.payload["customer_notified"] for e in db.session.scalars(
            sa.select(OutboxEvent).where(OutboxEvent.event_type == "order.status_changed").order_by(OutboxEvent.id))]


def _sent_texts(oa):
    return [json.loads(r["body"])["message"].get("text", "") for r in oa.requests
            if r["path"] == "/v3.0/oa/message/cs"]


def test_shipping_order_is_announced_on_zalo(app, client, oa, shopone, frozen_clock):
    ref = _oa_customer(app, client, oa, consent=True)
    add_shopone(app, shopone, pull_orders=True, events=["customer.upserted"])
    shopone.put_order({"id": "SO-1", "status": "new", "customer_ref": ref, "phone": "0912345678", "total": 250000,
                       "updated_at": "2026-11-01T02:00:00Z"})
    sync(app)
    shopone.put_order({"id": "SO-1", "status": "shipping", "updated_at": "2026-11-01T02:30:00Z"})
    sync(app)
    run_worker(app)
    assert _status_events(app) == ["no_template", "queued"]
    [sent] = [body for body in _sent_texts(oa) if "SO-1" in body]
    assert "Đơn hàng #SO-1 (250.000 đ) đang được giao" in sent


@pytest.mark.parametrize("consent, days_later, status, outcome", [
    (False, 0, "confirmed", "no_consent"),
    (True, 8, "delivered", "window_closed"),  # past 7 days: refused before any call to Zalo
])
def test_no_message_without_consent_or_outside_the_window(app, client, oa, shopone, frozen_clock,
                                                          consent, days_later, status, outcome):
    ref = _oa_customer(app, client, oa, consent=consent)
    frozen_clock.advance(days=days_later)
    add_shopone(app, shopone, pull_orders=True)
    shopone.put_order({"id": "SO-2", "status": status, "customer_ref": ref, "phone": "0912345678",
                       "updated_at": frozen_clock.now().isoformat().replace("+00:00", "Z")})
    sync(app)
    run_worker(app)
    assert _status_events(app) == [outcome]
    assert not [text for text in _sent_texts(oa) if "SO-2" in text]


def test_a_status_template_may_link_to_the_form_in_the_mini_app(app, client, oa, shopone, frozen_clock):
    app.config.update(ZALO_MINIAPP_ID="194839900003483517", ORDER_STATUS_MESSAGES={
        "shipping": "Đơn {order} đang giao. Góp ý: {form}"})
    ref = _oa_customer(app, client, oa, consent=True)
    add_shopone(app, shopone, pull_orders=True, events=["customer.upserted"])
    shopone.put_order({"id": "SO-2", "status": "shipping", "customer_ref": ref, "phone": "0912345678",
                       "updated_at": "2026-11-01T02:00:00Z"})
    sync(app)
    run_worker(app)
    [sent] = [body for body in _sent_texts(oa) if "SO-2" in body]
    assert sent == ("Đơn #SO-2 đang giao. Góp ý: "
                    "https://zalo.me/s/194839900003483517/?form=lien-he&utm_source=order_status")
