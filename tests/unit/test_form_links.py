"""Links that open the form: the Zalo Mini App when ZALO_MINIAPP_ID is set, else the browser page."""
import pytest

from miniapp_api.config import Config, ConfigError
from miniapp_api.services.forms.links import AUTO_REPLY, WELCOME, form_link

BROWSER = {"PUBLIC_BASE_URL": "https://shop.example.vn/", "ZALO_MINIAPP_ID": None}


def test_with_a_mini_app_id_the_link_opens_the_mini_app_in_zalo():
    config = {**BROWSER, "ZALO_MINIAPP_ID": "194839900003483517"}
    assert form_link(config, source=WELCOME) == \
        "https://zalo.me/s/194839900003483517/?form=lien-he&utm_source=oa_welcome"
    assert form_link(config, source=AUTO_REPLY, slug="dat-lich") == \
        "https://zalo.me/s/194839900003483517/?form=dat-lich&utm_source=oa_auto_reply"


def test_without_one_the_browser_page_is_the_fallback():
    assert form_link(BROWSER, source=WELCOME) == "https://shop.example.vn/miniapp/?form=lien-he&utm_source=oa_welcome"


def test_query_values_are_encoded():
    assert form_link(BROWSER, source="chiến dịch&x", slug="a b") == \
        "https://shop.example.vn/miniapp/?form=a+b&utm_source=chi%E1%BA%BFn+d%E1%BB%8Bch%26x"


@pytest.mark.parametrize("overrides,message", [
    ({"ZALO_MINIAPP_ID": "https://zalo.me/s/1/"}, "ZALO_MINIAPP_ID"),
    ({"OA_WELCOME_KIND": "buttons"}, "OA_WELCOME_KIND"),
    ({"OA_INFO_REQUEST_TITLE": "x" * 101}, "OA_INFO_REQUEST_TITLE"),
    ({"OA_WELCOME_TEXT_VI": "x" * 1000, "OA_WELCOME_TEXT_EN": "y" * 801}, "OA_WELCOME_TEXT_VI"),
])
def test_settings_zalo_would_refuse_stop_the_process_at_start(overrides, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_env(TESTING=True, **overrides).validate()
