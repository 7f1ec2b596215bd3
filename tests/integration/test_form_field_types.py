"""Every field type and rule of a shop-defined form, validated through the API."""
import marshmallow as ma
import pytest

from miniapp_api.extensions import db
from miniapp_api.services.forms.definitions import import_form
from tests.helpers import bearer, contact_values, open_session, zalo_user

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


PHONE_SUBMIT = "/api/v1/miniapp/forms/lien-he/submissions"


@pytest.mark.parametrize("phone, reason", [
    ("09123ABCDE", "chỉ gồm chữ số"),  # not read as keypad letters (+84912322233)
    ("0912345678#12", "máy lẻ"),  # the extension is not silently dropped
    ("+82 10 1234 5678", "số điện thoại Việt Nam"),  # the default form takes Vietnamese numbers only
    ("1900 1234", "tổng đài"),
])
def test_phone_refusals_are_a_clear_422_on_the_field(client, zalo, phone, reason):
    session = open_session(client, zalo, zalo_user(zalo))
    response = client.post(PHONE_SUBMIT, json={"values": contact_values(phone=phone)}, headers=bearer(session))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert list(response.get_json()["errors"]) == ["phone"]
    assert reason in response.get_json()["errors"]["phone"][0]


def test_a_form_may_accept_other_countries(app, client, zalo):
    form = {"slug": "quoc-te", "title": {"vi": "Quốc tế"}, "fields": [
        {"name": "phone", "type": "phone", "label": {"vi": "SĐT"}, "required": True, "maps_to": "phone",
         "countries": ["VN", "KR"]}]}
    with app.app_context():
        import_form(db.session, form)
        db.session.commit()
    session = open_session(client, zalo, zalo_user(zalo))
    url = "/api/v1/miniapp/forms/quoc-te/submissions"
    korean = client.post(url, json={"values": {"phone": "+82 10 1234 5678"}}, headers=bearer(session))
    assert korean.status_code == 201 and korean.get_json()["submission"]["values"]["phone"] == "+821012345678"
    japanese = client.post(url, json={"values": {"phone": "+81 90 1234 5678"}},
                           headers={**bearer(session), "Accept-Language": "en"})
    assert japanese.status_code == 422
    assert japanese.get_json()["errors"] == {"phone": ["Only phone numbers from these countries are accepted: VN, KR."]}


@pytest.mark.parametrize("field, message", [
    ({"name": "phone", "type": "phone", "label": {"vi": "SĐT"}, "countries": ["XX"]}, "country code"),
    ({"name": "phone", "type": "phone", "label": {"vi": "SĐT"}, "countries": []}, "between 1 and 50"),
    ({"name": "note", "type": "text", "label": {"vi": "Ghi chú"}, "countries": ["VN"]}, "only phone fields"),
])
def test_form_countries_are_checked_on_import(app, field, message):
    with app.app_context(), pytest.raises(ma.ValidationError, match=message):
        import_form(db.session, {"slug": "sai", "title": {"vi": "Sai"}, "fields": [field]})
