"""The Zalo emulator takes only the message shapes Zalo documents, over HTTP, with Zalo's -201.

Shapes: developers.zalo.me, Official Account → Tin nhắn → Tin Tư vấn (text, image, file, request-user-info
card, quote, sticker) and "Gửi tin nhắn miniapp đến người dùng" (docs/oa.md "OA endpoints and message shapes").
The product's own message builders are checked against the same emulator.
"""
import pytest
import requests

from miniapp_api.config import Config
from miniapp_api.services.oa.cards import info_request_message
from miniapp_api.services.oa.events import welcome_text
from miniapp_api.zalo.oa import image_message, promotion_message, request_user_info_message, text_message
from sandbox.zalo.uploads import issued

CS, MINIAPP = "/v3.0/oa/message/cs", "/v3.0/oa/message/cs/miniapp"
IMAGE = "https://shop.example.vn/ao.jpg"


def _template(template_type, *elements):
    return {"attachment": {"type": "template", "payload": {"template_type": template_type,
                                                           "elements": list(elements)}}}


CARD = {"title": "Để lại thông tin", "subtitle": "Shop gọi lại ngay", "image_url": IMAGE}
DOCUMENTED = {
    "text": {"text": "Dạ áo còn ạ"},
    "text of 2000 characters": {"text": "a" * 2000},
    "quote": {"text": "Dạ còn ạ", "quote_message_id": "48687128d04c9410cd5f"},
    "image by url, with caption": {"text": "Mẫu mới", **_template("media", {"media_type": "image", "url": IMAGE})},
    "image by attachment_id": _template("media", {"media_type": "image", "attachment_id": "att-1"}),
    "gif": _template("media", {"media_type": "gif", "attachment_id": "gif-1", "width": 320, "height": 240}),
    "sticker": _template("media", {"media_type": "sticker", "attachment_id": "bfe458bf64fa8da4d4eb"}),
    "file": {"attachment": {"type": "file", "payload": {"token": "file-token-1"}}},
    "request_user_info card": _template("request_user_info", CARD),
}
OLD_WELCOME = {"text": "Cảm ơn bạn!", "attachment": {"type": "template", "payload": {
    "buttons": [{"title": "Để lại thông tin", "type": "oa.open.url", "payload": {"url": "https://shop.vn/miniapp/"}}]}}}
UNDOCUMENTED = {
    "the old welcome: text + bare payload.buttons": OLD_WELCOME,
    "buttons on a plain text": {"text": "Chào", "buttons": [{"title": "Mở", "type": "oa.open.url"}]},
    "unknown template_type": _template("list", CARD),
    "transaction template on message/cs": _template("transaction_order", CARD),
    "no message": None,
    "empty message": {},
    "empty text": {"text": ""},
    "blank text": {"text": "   "},
    "text over 2000 characters": {"text": "a" * 2001},
    "text that is not a string": {"text": 12},
    "image with url and attachment_id": _template("media", {"media_type": "image", "url": IMAGE,
                                                            "attachment_id": "att-1"}),
    "image with neither": _template("media", {"media_type": "image"}),
    "image with an empty url": _template("media", {"media_type": "image", "url": ""}),
    "two media elements": _template("media", {"media_type": "image", "url": IMAGE},
                                    {"media_type": "image", "url": IMAGE}),
    "no elements": _template("media"),
    "unknown media_type": _template("media", {"media_type": "video", "url": IMAGE}),
    "gif without its size": _template("media", {"media_type": "gif", "attachment_id": "gif-1"}),
    "gif by url": _template("media", {"media_type": "gif", "url": IMAGE, "width": 1, "height": 1}),
    "sticker with text": {"text": "hi", **_template("media", {"media_type": "sticker", "attachment_id": "s"})},
    "buttons inside a media element": _template("media", {"media_type": "image", "url": IMAGE, "buttons": []}),
    "card with two elements": _template("request_user_info", CARD, CARD),
    "card title over 100": _template("request_user_info", {**CARD, "title": "t" * 101}),
    "card subtitle over 500": _template("request_user_info", {**CARD, "subtitle": "s" * 501}),
    "card without image_url": _template("request_user_info", {"title": "t", "subtitle": "s"}),
    "card with an empty title": _template("request_user_info", {**CARD, "title": ""}),
    "card with text": {"text": "Chào", **_template("request_user_info", CARD)},
    "file without token": {"attachment": {"type": "file", "payload": {}}},
    "file with an empty token": {"attachment": {"type": "file", "payload": {"token": ""}}},
    "file with text": {"text": "báo giá", "attachment": {"type": "file", "payload": {"token": "t"}}},
    "unknown attachment type": {"attachment": {"type": "image", "payload": {"url": IMAGE}}},
    "quote on an attachment": {"quote_message_id": "m1", **_template("media", {"media_type": "image", "url": IMAGE})},
    "empty quote_message_id": {"text": "Dạ", "quote_message_id": ""},
}


@pytest.fixture
def zalo_oa(zalo):
    """The emulator with an OA token, a customer who wrote just now, and the attachments DOCUMENTED names as
    uploaded (uploading them for real is tested in test_oa_media)."""
    zalo.token, _ = zalo.issue_oa_tokens()
    issued(zalo).update({"att-1": "image", "gif-1": "gif", "file-token-1": "file"})
    zalo.customer = zalo.create_user("Nguyễn Văn An")
    zalo.last_interaction[zalo.customer.oa_user_id] = int(zalo.clock() * 1000)
    return zalo


def _post(zalo, path, body, headers=None):
    response = requests.post(zalo.url + path, json=body, timeout=5,
                             headers={"access_token": zalo.token, **(headers or {})})
    try:
        assert response.status_code == 200  # Zalo answers refusals with HTTP 200 and error != 0
        return response.json()
    finally:
        response.close()


def _send_cs(zalo, message):
    return _post(zalo, CS, {"recipient": {"user_id": zalo.customer.oa_user_id}, "message": message})


@pytest.mark.parametrize("message", DOCUMENTED.values(), ids=DOCUMENTED.keys())
def test_documented_cs_shapes_are_accepted(zalo_oa, message):
    body = _send_cs(zalo_oa, message)
    assert body["error"] == 0 and body["data"]["message_id"]
    assert [m["message"] for m in zalo_oa.sent_messages] == [message]


@pytest.mark.parametrize("message", UNDOCUMENTED.values(), ids=UNDOCUMENTED.keys())
def test_undocumented_cs_shapes_are_refused_with_201_and_never_delivered(zalo_oa, message):
    body = _send_cs(zalo_oa, message)
    assert body["error"] == -201 and body["message"]
    assert zalo_oa.sent_messages == [] and zalo_oa.chat == []


def test_every_message_the_product_builds_is_accepted(zalo_oa):
    config = Config.from_env(TESTING=True, PUBLIC_BASE_URL="https://shop.example.vn").to_flask()
    built = [text_message("Dạ"), image_message(IMAGE), image_message(IMAGE, "Mẫu mới"),
             request_user_info_message("Để lại thông tin", "Shop gọi lại", IMAGE), info_request_message(config),
             info_request_message(config, title="t" * 100, subtitle="s" * 500), text_message(welcome_text(config)),
             text_message(welcome_text({**config, "OA_WELCOME_LANG": "vi+en", "ZALO_MINIAPP_ID": "1948399"}))]
    assert [_send_cs(zalo_oa, message)["error"] for message in built] == [0] * len(built)


FB0001 = {"template_type": "FB0001", "template_data": {
    "customer_name": "Tùng Nguyễn", "queue_number": "12", "note": "Khách hàng thanh toán bằng thẻ",
    "buttons": [{"title": "Chi tiết đơn hàng", "image_icon": "https://stc-zmp.zadn.vn/oa/basket.png",
                 "url": "https://zalo.me/s/194839900003483517/"}]}}


def _mint(zalo, oa_user_id):
    response = requests.post(f"{zalo.url}/_sandbox/users/{oa_user_id}/miniapp-message-token", timeout=5)
    try:
        return response.json()["token"]
    finally:
        response.close()


def _send_miniapp(zalo, message, token):
    headers = {"miniapp_messsage_token": token} if token else {}
    return _post(zalo, MINIAPP, {"recipient": {"user_id": zalo.customer.oa_user_id}, "message": message}, headers)


def test_mini_app_message_needs_the_token_the_mini_app_got_for_this_user(zalo_oa):
    other = zalo_oa.create_user("Người khác")
    assert _send_miniapp(zalo_oa, FB0001, None)["error"] == -201
    assert _send_miniapp(zalo_oa, FB0001, _mint(zalo_oa, other.oa_user_id))["error"] == -201
    token = _mint(zalo_oa, zalo_oa.customer.oa_user_id)
    body = _send_miniapp(zalo_oa, FB0001, token)
    assert body["error"] == 0 and body["data"]["message_id"]
    assert zalo_oa.sent_messages[-1]["endpoint"] == MINIAPP
    now = zalo_oa.clock()
    zalo_oa.clock = lambda: now + 7 * 24 * 3600  # the token lives 7 days
    zalo_oa.token, _ = zalo_oa.issue_oa_tokens()  # (the OA's own token lives 25 h)
    assert _send_miniapp(zalo_oa, FB0001, token)["error"] == -201


@pytest.mark.parametrize("message", [
    {"template_type": "FB9999", "template_data": FB0001["template_data"]},
    {"template_type": "FB0001"},
    {"template_type": "FB0001", "template_data": {}},
    {"template_type": "FB0001", "template_data": {"buttons": [{"title": "Xem"}]}},
    {"text": "Chào", **FB0001},
    {"attachment": OLD_WELCOME["attachment"]},
], ids=["unknown template", "no template_data", "empty template_data", "button without url", "extra text",
        "a message/cs attachment"])
def test_undocumented_mini_app_messages_are_refused(zalo_oa, message):
    assert _send_miniapp(zalo_oa, message, _mint(zalo_oa, zalo_oa.customer.oa_user_id))["error"] == -201
    assert zalo_oa.sent_messages == []


PROMOTION = "/v3.0/oa/message/promotion"


def _promotion_body(*elements, buttons=None):
    payload = {"template_type": "promotion", "language": "VI", "elements": list(elements)}
    if buttons is not None:
        payload["buttons"] = buttons
    return {"attachment": {"type": "template", "payload": payload}}


HEADER, TEXT = {"type": "header", "content": "Ưu đãi tháng 12"}, {"type": "text", "align": "left", "content": "Giảm 20%"}
OPEN_URL = {"title": "Xem ngay", "type": "oa.open.url", "payload": {"url": "https://shop.example.vn/sale"}}
PROMOTION_REFUSED = {
    "no header": _promotion_body(TEXT),
    "two headers": _promotion_body(HEADER, HEADER),
    "header over 100": _promotion_body({"type": "header", "content": "h" * 101}),
    "text over 1000": _promotion_body(HEADER, {"type": "text", "content": "t" * 1001}),
    "banner not first": _promotion_body(HEADER, {"type": "banner", "image_url": IMAGE}),
    "banner with both": _promotion_body({"type": "banner", "image_url": IMAGE, "attachment_id": "a"}, HEADER),
    "unknown element": _promotion_body(HEADER, {"type": "video", "url": IMAGE}),
    "five buttons": _promotion_body(HEADER, buttons=[OPEN_URL] * 5),
    "button without url": _promotion_body(HEADER, buttons=[{**OPEN_URL, "payload": {}}]),
    "unknown button type": _promotion_body(HEADER, buttons=[{**OPEN_URL, "type": "oa.open.sms"}]),
    "a text beside the attachment": {"text": "Chào", **_promotion_body(HEADER)},
    "the media template": _template("media", {"media_type": "image", "url": IMAGE}),
}


@pytest.fixture
def follower(zalo_oa):
    zalo_oa.followers.add(zalo_oa.customer.oa_user_id)
    zalo_oa.clock = lambda: 1_764_554_400.0  # 2025-12-01 09:00 in Vietnam
    return zalo_oa


def _send_promotion(zalo, message):
    return _post(zalo, PROMOTION, {"recipient": {"user_id": zalo.customer.oa_user_id}, "message": message})


@pytest.mark.parametrize("message", PROMOTION_REFUSED.values(), ids=PROMOTION_REFUSED.keys())
def test_undocumented_promotion_shapes_are_refused_with_201(follower, message):
    assert _send_promotion(follower, message)["error"] == -201
    assert follower.sent_messages == []


def test_a_promotion_reaches_a_follower_once_a_day_from_6_to_22(follower):
    built = promotion_message("Ưu đãi tháng 12", "Giảm 20% cho anh An", image_url=IMAGE, link=OPEN_URL["payload"]["url"])
    assert _send_promotion(follower, built)["error"] == 0
    assert _send_promotion(follower, _promotion_body(HEADER, TEXT))["error"] == -211  # one a day
    follower.clock = lambda: 1_764_554_400.0 + 13 * 3600  # 22:00: too late
    assert _send_promotion(follower, _promotion_body(HEADER))["error"] == -234
    follower.clock = lambda: 1_764_554_400.0 + 21 * 3600  # 06:00 the next day
    assert _send_promotion(follower, _promotion_body(HEADER, buttons=[OPEN_URL]))["error"] == 0
    follower.followers.clear()
    follower.clock = lambda: 1_764_554_400.0 + 45 * 3600
    assert _send_promotion(follower, _promotion_body(HEADER))["error"] == -213  # followers only
    assert [m.get("kind") for m in follower.sent_messages] == ["promotion", "promotion"]
