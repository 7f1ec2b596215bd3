"""Campaign test steps: shoppers in every situation the channel policy tells apart, and the worker's send job."""
from __future__ import annotations

import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Customer, OaContact
from miniapp_api.services.campaigns.sending import send_due
from miniapp_api.services.customers.consents import MARKETING, record_consent
from miniapp_api.services.customers.profiles import live
from tests.helpers import bearer, open_session
from tests.inbox_helpers import call
from tests.oa_helpers import customer_says, run_worker

CAMPAIGNS = "/api/v1/admin/campaigns"


def shopper(app, client, zalo, name: str, phone: str, *, consent: bool = True, verified: bool = True,
            writes: bool = True) -> tuple:
    """A customer (their Zalo user, their ref): phone shared through Zalo (verified) or not, writes to the OA (an
    open window), marketing consent given or not."""
    user = zalo.create_user(name, phone=phone)
    session = open_session(client, zalo, user)
    if verified:
        token, code = zalo.issue_access_token(user.app_user_id), zalo.issue_phone_code(user.app_user_id)
        assert client.post("/api/v1/miniapp/phone", json={"access_token": token, "code": code},
                           headers=bearer(session)).status_code == 200
    if writes:
        customer_says(client, zalo, user, "text", text="Shop ơi")
        run_worker(app)
    with app.app_context():
        customer = live(db.session.scalar(sa.select(Customer).where(Customer.ref == session["customer"]["ref"])))
        if consent:
            record_consent(db.session, customer.id, MARKETING, True, source="test", text="Đồng ý nhận tin", version="1")
        db.session.commit()
        ref = customer.ref
    return user, ref


def tag(client, headers, ref: str, name: str = "khach-quen") -> None:
    call(client, "POST", "/api/v1/admin/tags", headers, json={"name": name})
    status, body = call(client, "POST", f"/api/v1/admin/customers/{ref}/tags/{name}", headers)
    assert status in (200, 201), body


def contact_of(app, user) -> OaContact:
    with app.app_context():
        contact = db.session.scalar(sa.select(OaContact).where(OaContact.oa_user_id == user.oa_user_id))
        db.session.expunge(contact)
        return contact


def send_tick(app) -> int:
    """What the worker's `campaign-sends` job does in one tick."""
    with app.app_context():
        try:
            return send_due(db.session, app.config)
        finally:
            db.session.remove()


def create(client, headers, **fields) -> int:
    body = {"name": "Ưu đãi tháng 12", "audience": {"tags": ["khach-quen"]},
            "text": "Chào {ten_khach|bạn}, shop giảm 20% cuối tuần này!", **fields}
    status, campaign = call(client, "POST", CAMPAIGNS, headers, json=body)
    assert status == 201, campaign
    return campaign["id"]


def act(client, headers, campaign_id: int, action: str, **body):
    return call(client, "POST", f"{CAMPAIGNS}/{campaign_id}/{action}", headers, json=body)
