"""Every field type and rule of a shop-defined form, validated through the API."""
import pytest

from miniapp_api.extensions import db
from miniapp_api.services.forms import import_form
from tests.helpers import bearer, open_session, zalo_user

FORM = {
    "slug": "dat-lich",
    "title": {"vi": "Đặt lịch", "en": "Booking"},
    "fields": [
        {"name": "code", "type": "text", "label": {"vi": "Mã"}, "required": True,
         "validation": {"pattern": "[A-Z]{2}[0-9]{3}"}},
        {"name": "services", "type": "multichoice", "label": {"vi": "Dịch vụ"}, "required": True,
         "options": [{"value": "cat", "label": {"vi": "Cắt"}}, {"value": "goi", "label": {"vi": "Gội"}}]},
        {"name": "reminder", "type": "checkbox", "label": {"vi": "Nhắc lịch"}},
        {"name": "address", "type": "textarea", "label": {"vi": "Địa chỉ"}, "maps_to": "address"},
        {"name": "terms", "type": "consent", "label": {"vi": "Tôi đồng ý điều khoản"}, "required": True,
         "purpose": "terms", "consent_version": "v1"},
    ],
}


@pytest.fixture
def booking(app, client, zalo):
    with app.app_context():
        import_form(db.session, FORM)
        db.session.commit()
    return open_session(client, zalo, zalo_user(zalo))


def _submit(client, session, values):
    return client.post("/api/v1/miniapp/forms/dat-lich/submissions", json={"values": values}, headers=bearer(session))


def test_valid_booking(client, booking):
    response = _submit(client, booking, {"code": "AB123", "services": ["goi", "cat", "goi"], "reminder": True,
                                         "address": "12 Lý Thường Kiệt", "terms": True})
    assert response.status_code == 201
    body = response.get_json()
    assert body["submission"]["values"]["services"] == ["cat", "goi"]  # de-duplicated, in form order
    assert body["customer"]["address"] == "12 Lý Thường Kiệt"
    assert body["customer"]["consents"]["terms"]["granted"] is True


@pytest.mark.parametrize("values, errors", [
    ({"code": "ab123", "services": ["cat"], "terms": True}, {"code"}),
    ({"code": "AB123", "services": [], "terms": True}, {"services"}),
    ({"code": "AB123", "services": ["nhuom"], "terms": True}, {"services"}),
    ({"code": "AB123", "services": "cat", "terms": True}, {"services"}),
    ({"code": "AB123", "services": ["cat"], "reminder": "yes", "terms": True}, {"reminder"}),
    ({"code": "AB123", "services": ["cat"], "terms": False}, {"terms"}),
    ({"code": "AB123", "services": ["cat"]}, {"terms"}),
])
def test_rules_of_each_type(client, booking, values, errors):
    response = _submit(client, booking, values)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == errors
