"""Form-only leads are visible to staff: the customer detail carries submissions (labelled), orders, conversation
ids and per-connector sync state; the conversation list filters by customer; search finds form answers."""
from __future__ import annotations

from tests.customer_helpers import add_order, call, full_customer
from tests.helpers import bearer, contact_values, open_session
from tests.staff_helpers import staff_headers
from tests.sync_helpers import add_shopone, sync

SUBMIT = "/api/v1/miniapp/forms/lien-he/submissions"


def form_only_customer(client, zalo, name: str, phone: str, note: str) -> str:
    """A customer who filled the Mini App form and never chatted; returns their ref."""
    user = zalo.create_user(name, phone=phone.replace("0", "84", 1))
    session = open_session(client, zalo, user)
    values = contact_values(full_name=name, phone=phone, email=None, note=note, province="ha-noi",
                            interest="pricing")
    response = client.post(SUBMIT, json={"values": values}, headers=bearer(session))
    assert response.status_code == 201, response.get_json()
    response.close()
    return response.get_json()["customer"]["ref"]


def test_a_form_only_customer_shows_answers_orders_and_sync_state(app, client, zalo, shopone):
    owner = staff_headers(app, client, "owner")
    add_shopone(app, shopone)
    lead = form_only_customer(client, zalo, "Phạm Thu Hà", "0912345678", "Gọi sau 18h, cần báo giá sỉ")
    rejected = form_only_customer(client, zalo, "Vũ Minh", "0987000111", "Không gọi buổi sáng")
    shopone.set_faults(reject_refs=[rejected])
    sync(app)
    with app.app_context():
        add_order(lead, "SO-777", "0912345678", "Phạm Thu Hà")
        add_order(lead, "SO-777", "0912345678", "Phạm Thu Hà", status="shipped", day=3)

    status, detail = call(client, "GET", f"/customers/{lead}", owner)
    assert status == 200, detail
    assert detail["conversation_ids"] == []
    [submission] = detail["submissions"]
    answers = {a["name"]: a for a in submission["answers"]}
    assert answers["province"]["value"] == "Hà Nội" and answers["province"]["code"] == "ha-noi"
    assert answers["interest"]["value"] == "Báo giá" and answers["interest"]["label"]["vi"]
    assert answers["note"]["value"] == "Gọi sau 18h, cần báo giá sỉ" and "code" not in answers["note"]
    [order] = detail["orders"]
    assert (order["external_id"], order["status"], order["total_vnd"]) == ("SO-777", "shipped", 350000)
    assert [(h["old_status"], h["new_status"], h["remote_updated_at"][:10]) for h in order["history"]] == [
        (None, "paid", "2026-11-01"), ("paid", "shipped", "2026-11-03")]
    [shop] = detail["sync"]
    assert shop["connector"] == "shopone" and shop["pending"] == 0 and shop["dead_count"] == 0
    assert shop["last_delivered_at"] is not None

    status, detail = call(client, "GET", f"/customers/{rejected}", owner)
    [shop] = detail["sync"]
    assert shop["dead_count"] >= 1 and shop["last_delivered_at"] is None
    assert "422" in shop["dead"][0]["reason"] and shop["dead"][0]["event_type"]


def test_search_finds_form_answers_without_diacritics(app, client, zalo):
    owner = staff_headers(app, client, "owner")
    lead = form_only_customer(client, zalo, "Phạm Thu Hà", "0912345678", "Cần báo giá sỉ áo thun")
    status, found = call(client, "GET", "/search?q=bao gia si ao thun", owner)
    assert status == 200 and [c["ref"] for c in found["customers"]] == [lead]
    status, found = call(client, "GET", "/search?q=Báo giá", owner)  # the interest choice, by its label
    assert [c["ref"] for c in found["customers"]] == [lead]


def test_the_conversation_list_filters_by_customer(app, client, oa):
    owner = staff_headers(app, client, "owner")
    first = full_customer(client, app, oa, order=False)
    full_customer(client, app, oa, name="Lê Văn Cường", phone="84911222333", raw_phone="0911222333",
                  email="cuong@example.vn", order=False)
    status, page = call(client, "GET", f"/conversations?customer={first['ref']}", owner)
    assert status == 200
    status, detail = call(client, "GET", f"/customers/{first['ref']}", owner)
    assert [c["id"] for c in page["items"]] == detail["conversation_ids"] and len(page["items"]) == 1
    assert call(client, "GET", "/conversations?customer=cus_none", owner)[1]["items"] == []
    assert call(client, "GET", "/conversations?customer=bad%20ref", owner)[0] == 422
