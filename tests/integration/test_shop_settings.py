"""The welcome message and business hours edited through the API (the console's settings page): what is saved
wins over the environment in every process, `null` goes back to it, bad values are a 422 naming the field and
change nothing, and each save is audited."""
import pytest

from miniapp_api.models.staff import ADMIN, OWNER, VIEWER
from tests.inbox_helpers import audit_actions, call
from tests.metrics_helpers import WEEK, Timeline, at
from tests.oa_helpers import customer_says, run_worker, zalo_window
from tests.staff_helpers import staff_headers

SETTINGS = "/api/v1/admin/shop-settings"


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, OWNER)


def test_a_welcome_saved_here_greets_the_next_follower_and_null_restores_the_environments(client, app, oa, owner):
    zalo_window(oa, follow_opens_window=True)
    status, page = call(client, "GET", SETTINGS, owner)
    assert status == 200 and page["from_console"] == []
    assert page["settings"]["welcome_text_vi"] == app.config["OA_WELCOME_TEXT_VI"]

    status, page = call(client, "PATCH", SETTINGS, owner, json={
        "welcome_text_vi": "Chào bạn! Shop Hoa Mai mở cửa 8h–21h.", "welcome_form_link": False})
    assert status == 200, page
    assert page["from_console"] == ["welcome_form_link", "welcome_text_vi"]
    assert page["welcome"] == {"kind": "text", "text": "Chào bạn! Shop Hoa Mai mở cửa 8h–21h."}
    customer_says(client, oa, oa.create_user("Khách Một"), "follow")
    run_worker(app)
    assert [m["message"] for m in oa.sent_messages] == [{"text": "Chào bạn! Shop Hoa Mai mở cửa 8h–21h."}]

    status, page = call(client, "PATCH", SETTINGS, owner, json={"welcome_text_vi": None, "welcome_form_link": None})
    assert page["from_console"] == [] and page["settings"]["welcome_text_vi"] == app.config["OA_WELCOME_TEXT_VI"]
    assert page["welcome"]["text"].startswith(app.config["OA_WELCOME_TEXT_VI"] + "\nĐể lại thông tin: ")
    assert audit_actions(app).count("shop_settings.update") == 2


def test_a_welcome_switched_off_here_sends_nothing(client, app, oa, owner):
    zalo_window(oa, follow_opens_window=True)
    status, page = call(client, "PATCH", SETTINGS, owner, json={"welcome_enabled": False})
    assert page["welcome"] == {"kind": None, "text": None}
    customer_says(client, oa, oa.create_user("Khách Hai"), "follow")
    run_worker(app)
    assert oa.sent_messages == []


def test_business_hours_saved_here_are_the_reports(client, app, owner):
    with app.app_context():
        from miniapp_api.extensions import db

        # Monday: a customer writes at 20:30; answered Tuesday 08:30 → 30 min inside 08:00–21:00, 12 h outside
        Timeline(at(2, 20, 30)).customer(at(2, 20, 30)).reply(at(3, 8, 30), None)
        db.session.commit()
    query = f"/api/v1/admin/metrics?from={WEEK[0]}&to={WEEK[1]}"
    before = call(client, "GET", query, owner)[1]
    assert before["overall"]["first_response_seconds"]["median"] == 12 * 3600
    status, page = call(client, "PATCH", SETTINGS, owner, json={"business_hours": "mon-sat 08:00-21:00"})
    assert status == 200 and page["settings"]["business_hours"] == "mon-sat 08:00-21:00"
    after = call(client, "GET", query, owner)[1]
    assert after["period"]["business_hours"] == "mon-sat 08:00-21:00"
    assert after["overall"]["first_response_seconds"]["median"] == 3600


@pytest.mark.parametrize("body, field", [
    ({"business_hours": "weekdays 8-21"}, "business_hours"),
    ({"welcome_text_vi": "a" * 1000, "welcome_text_en": "b" * 801}, "welcome_text_vi"),
    ({"welcome_kind": "button"}, "welcome_kind"),
    ({"welcome_lang": "fr"}, "welcome_lang"),
    ({"welcome_enabled": "maybe"}, "welcome_enabled"),
    ({"welcome_text_en": "x" * 1801}, "welcome_text_en"),
])
def test_a_bad_value_is_a_422_naming_the_field_and_saves_nothing(client, app, owner, body, field):
    status, problem = call(client, "PATCH", SETTINGS, owner, json={"welcome_form_link": False, **body})
    assert status == 422 and field in problem["errors"], problem
    page = call(client, "GET", SETTINGS, owner)[1]
    assert page["from_console"] == [] and "shop_settings.update" not in audit_actions(app)


def test_the_texts_share_their_length_with_what_is_already_saved(client, app, owner):
    assert call(client, "PATCH", SETTINGS, owner, json={"welcome_text_vi": "a" * 1500})[0] == 200
    status, problem = call(client, "PATCH", SETTINGS, owner, json={"welcome_text_en": "b" * 301})
    assert status == 422 and list(problem["errors"]) == ["welcome_text_en"]


def test_viewers_read_and_only_owners_and_admins_change(client, app, owner):
    viewer, admin = staff_headers(app, client, VIEWER), staff_headers(app, client, ADMIN, "admin@shop.vn")
    assert call(client, "GET", SETTINGS, viewer)[0] == 200
    assert call(client, "PATCH", SETTINGS, viewer, json={"welcome_enabled": False})[0] == 403
    assert call(client, "PATCH", SETTINGS, admin, json={"welcome_enabled": False})[0] == 200
