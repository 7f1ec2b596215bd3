"""A customer known through every channel (Mini App form, OA chat, CRM order), and staff calls on them."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from crm_sync.admin import save_connector
from miniapp_api.services.orders.records import RemoteOrder
from miniapp_api.extensions import db
from miniapp_api.models import Connector, Customer, OaContact
from miniapp_api.services.orders.records import record_order
from tests.helpers import bearer, contact_values, open_session
from tests.oa_helpers import customer_says, run_worker

SUBMIT = "/api/v1/miniapp/forms/lien-he/submissions"
BASE = "/api/v1/admin"
NAME, PHONE_RAW, EMAIL = "Trần Thị Bích", "0987 654 321", "bich@example.vn"
CHAT = "Cho em hỏi giá váy đỏ ạ"
ADDRESS = "12 Phố Huế, Hoàn Kiếm"


def call(client, method, path, headers, **kwargs):
    """One request; returns (status, json) and closes the response."""
    response = client.open(f"{BASE}{path}", method=method, headers=headers, **kwargs)
    try:
        return response.status_code, response.get_json(silent=True)
    finally:
        response.close()


def full_customer(client, app, oa, *, name=NAME, phone="84987654321", raw_phone=PHONE_RAW, email=EMAIL,
                  chat=CHAT, order=True) -> dict:
    """Mini App form + OA chat + a CRM order for one person; returns their ref and Zalo user."""
    user = oa.create_user(name, phone=phone)
    session = open_session(client, oa, user)
    values = contact_values(full_name=name, phone=raw_phone, email=email, note=f"Giao tới {ADDRESS}")
    # with a key: the stored reply repeats personal data, which erasure must remove too
    response = client.post(SUBMIT, json={"values": values}, headers={**bearer(session), "Idempotency-Key": "form-1"})
    assert response.status_code == 201, response.get_json()
    response.close()
    customer_says(client, oa, user, "text", text=chat)
    run_worker(app)
    with app.app_context():
        contact = db.session.scalar(sa.select(OaContact).where(OaContact.oa_user_id == user.oa_user_id))
        customer = db.session.get(Customer, contact.customer_id)
        ref = customer.ref
        if order:
            add_order(customer.ref, f"SO-{user.oa_user_id[-6:]}", raw_phone, name)
    return {"ref": ref, "user": user}


def add_order(ref: str, external_id: str, phone: str | None = None, name: str | None = None, *,
              status: str = "paid", day: int = 1) -> None:
    """An order back from a CRM (inside an app context), holding personal fields; `status` as of November `day`."""
    connector = db.session.scalar(sa.select(Connector).where(Connector.name == "pos"))
    if connector is None:
        connector, _ = save_connector(db.session, "test-secret-key", "pos", "webhook", base_url="http://127.0.0.1:9",
                                   credentials={"secret": "whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ="})
        db.session.flush()
    record_order(db.session, connector, RemoteOrder(
        external_id=external_id, status=status, updated_at=dt.datetime(2026, 11, day, tzinfo=dt.timezone.utc),
        customer_ref=ref, phone=phone, customer_name=name, total_vnd=350000, items=({"sku": "VAY-DO", "qty": 1},),
        raw={"customer": {"name": name, "phone": phone, "address": ADDRESS}}), "pull")
    db.session.commit()
