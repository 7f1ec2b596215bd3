"""The inbox in a real browser: a customer's message arrives live, staff reply with a saved reply, receipts and
notes show, an admin meets someone else's conversation as a sentence and takes it over, filters survive a
reload, and a conversation past Zalo's 7 days offers templates only. At 1280 px and 375 px, with axe."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from miniapp_api.extensions import db
from miniapp_api.models import Conversation, OaContact, SavedReply
from tests.browser.console.conftest import assert_no_serious_axe_violations, customer_writes, sign_in
from tests.oa_helpers import run_worker
from tests.staff_helpers import make_staff

pytestmark = pytest.mark.browser
LIVE_MS = 5000  # the feed is polled every second; the wait leaves room for a loaded CI machine


def _conversation_id(sandbox_app, user) -> int:
    with sandbox_app.app_context():
        return db.session.scalar(sa.select(Conversation.id).join(OaContact).where(
            OaContact.oa_user_id == user.oa_user_id))


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
NOTIFICATIONS = """
    window.__notes = [];
    window.Notification = class { constructor(title, options) { window.__notes.push([title, options.body]); } };
    window.Notification.permission = "granted";
    window.Notification.requestPermission = async () => "granted";
    Object.defineProperty(document, "hidden", { get: () => true });
    localStorage.setItem("console.inbox.notify", "1");
"""


def _sent_texts(zalo, user) -> list[str]:
    return [m["message"].get("text") for m in zalo.sent_messages if m["user_id"] == user.oa_user_id]


def _open(page, name: str) -> None:
    """Open a conversation from the list (on a phone, back to the list first: one pane at a time)."""
    back = page.get_by_role("link", name="← Danh sách")
    if back.is_visible():
        back.click()
    page.get_by_role("navigation", name="Danh sách hội thoại").get_by_role("link", name=name).click()


def test_a_customer_writes_staff_answer_with_a_saved_reply_and_see_it_delivered(
        page, console_url, sandbox_app, connected, owner):
    with sandbox_app.app_context():
        db.session.add(SavedReply(shortcut="chao", title="Lời chào", text="Dạ em chào {ten_khach} ạ!"))
        db.session.commit()
    lan = connected.create_user("Trần Thị Lan")
    customer_writes(sandbox_app, connected, lan, "Shop ơi còn áo sơ mi trắng không?")

    sign_in(page, console_url, owner)
    expect(page.get_by_role("heading", name="Hội thoại", level=1)).to_be_visible()
    row = page.get_by_role("link", name="Trần Thị Lan")
    expect(row).to_contain_text("Shop ơi còn áo sơ mi trắng không?")
    expect(row).to_contain_text("Chưa trả lời")
    expect(row).to_contain_text("1 tin chưa đọc")
    assert_no_serious_axe_violations(page)

    with page.expect_response(lambda response: response.url.endswith("/read")):  # opening it marks it read
        _open(page, "Trần Thị Lan")
    history = page.get_by_role("region", name="Lịch sử tin nhắn")
    expect(history).to_contain_text("Shop ơi còn áo sơ mi trắng không?")
    page.goto(f"{console_url}/console/#/inbox")
    page.reload()  # the marker is the server's: a fresh list has it
    expect(page.get_by_role("link", name="Trần Thị Lan")).not_to_contain_text("tin chưa đọc")
    expect(page.get_by_role("link", name="Trần Thị Lan")).to_contain_text("Chưa trả lời")  # read is not answered
    _open(page, "Trần Thị Lan")
    expect(page.get_by_text("Còn 48 giờ miễn phí")).to_be_visible()

    customer_writes(sandbox_app, connected, lan, "Size M nhé shop")  # arrives while the page is open
    expect(history).to_contain_text("Size M nhé shop", timeout=LIVE_MS)

    box = page.get_by_label("Nội dung trả lời")
    box.fill("/ch")
    page.get_by_role("option").get_by_role("button", name="/chao Lời chào").click()
    expect(box).to_have_value("Dạ em chào Trần Thị Lan ạ!")
    page.get_by_role("button", name="Gửi", exact=True).click()
    expect(history.locator(".message-out")).to_contain_text("Dạ em chào Trần Thị Lan ạ!")
    expect(history.locator(".message-out")).to_contain_text("Đang gửi")
    run_worker(sandbox_app)  # the worker sends it to Zalo: the receipt changes live
    expect(history.locator(".message-out")).to_contain_text("Đã gửi", timeout=LIVE_MS)
    expect(page.get_by_text("Phụ trách: Chị Hoa")).to_be_visible()  # replying claimed it
    assert _sent_texts(connected, lan) == ["Dạ em chào Trần Thị Lan ạ!"]  # it reached Zalo

    page.get_by_label("Đính kèm ảnh hoặc tệp").set_input_files(
        files=[{"name": "ao-trang.png", "mimeType": "image/png", "buffer": PNG}])
    expect(history.locator(".message-out")).to_have_count(2)
    page.get_by_role("button", name="Gửi thẻ xin thông tin").click()
    expect(history.locator(".message-out")).to_have_count(3)
    run_worker(sandbox_app)
    kinds = [m["message"] for m in connected.sent_messages if m["user_id"] == lan.oa_user_id]
    assert kinds[1]["attachment"]["type"] == "template" and kinds[1]["attachment"]["payload"]["elements"]
    assert kinds[2]["attachment"]["payload"]["template_type"] == "request_user_info"

    page.get_by_role("button", name="Ghi chú nội bộ").click()
    page.get_by_label("Nội dung ghi chú").fill("Khách quen, ưu tiên giao nhanh")
    page.get_by_role("button", name="Lưu ghi chú").click()
    expect(history.locator(".message-note")).to_contain_text("Ghi chú · Chị Hoa")
    expect(history.locator(".message-note")).to_contain_text("Khách quen, ưu tiên giao nhanh")
    run_worker(sandbox_app)
    assert "Khách quen, ưu tiên giao nhanh" not in str(connected.sent_messages)  # a note never leaves the shop
    assert_no_serious_axe_violations(page)
    page.screenshot(path=f"/tmp/console-inbox-{page.viewport_size['width']}.png", full_page=True)


def test_someone_elses_conversation_is_a_sentence_and_an_admin_may_take_it_over(
        desktop_page, console_url, sandbox_app, connected, owner):
    page = desktop_page
    make_staff(sandbox_app, "admin", "quan.ly@shop.vn", name="Anh Minh")
    lan_id = make_staff(sandbox_app, "agent", "lan@shop.vn", name="Chị Lan")
    customer = connected.create_user("Phạm Văn Nam")
    customer_writes(sandbox_app, connected, customer, "Cho mình đặt 2 cái")
    cid = _conversation_id(sandbox_app, customer)

    sign_in(page, console_url, "quan.ly@shop.vn")
    page.goto(f"{console_url}/console/#/inbox/{cid}")
    expect(page.get_by_text("Chưa ai phụ trách")).to_be_visible()
    with sandbox_app.app_context():  # Chị Lan takes it in her own console meanwhile
        db.session.get(Conversation, cid).assignee_id = lan_id
        db.session.commit()
    page.get_by_label("Nội dung trả lời").fill("Dạ anh chờ em chút ạ")
    page.get_by_role("button", name="Gửi", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("đang do Chị Lan xử lý")
    page.get_by_role("button", name="Giành quyền xử lý").click()
    expect(page.get_by_role("region", name="Lịch sử tin nhắn")).to_contain_text("Dạ anh chờ em chút ạ")
    expect(page.get_by_text("Phụ trách: Anh Minh")).to_be_visible()

    page.get_by_role("button", name="Giao cho…").click()
    page.get_by_label("Giao hội thoại cho").select_option(label="Chị Lan")
    page.get_by_role("button", name="Giao cho", exact=True).click()
    expect(page.get_by_text("Phụ trách: Chị Lan")).to_be_visible()
    page.get_by_role("button", name="Đóng hội thoại").click()
    expect(page.get_by_text("Hội thoại đã đóng. Mở lại để trả lời.")).to_be_visible()


def test_filters_live_in_the_address_and_a_closed_window_offers_templates_only(
        page, console_url, sandbox_app, connected, owner):
    old, new = connected.create_user("Đỗ Thị Cũ"), connected.create_user("Vũ Văn Mới")
    middle = connected.create_user("Tô Thị Vừa")
    for user, text in ((old, "Hỏi giá váy đỏ"), (new, "Hỏi giá giày thể thao"), (middle, "Còn size S không")):
        customer_writes(sandbox_app, connected, user, text)
    aged = [(_conversation_id(sandbox_app, user), days) for user, days in ((old, 8), (middle, 3))]
    with sandbox_app.app_context():  # her last message was 8 days ago: Zalo's window is closed; hers, 3 days ago
        for conversation_id, days in aged:
            conversation = db.session.get(Conversation, conversation_id)
            conversation.last_customer_message_at -= dt.timedelta(days=days)
        db.session.commit()

    sign_in(page, console_url, owner)
    page.get_by_label("Tìm hội thoại").fill("giay the thao")
    page.get_by_label("Tìm hội thoại").press("Enter")
    listing = page.get_by_role("navigation", name="Danh sách hội thoại")
    expect(listing.get_by_role("link")).to_have_count(1)
    expect(listing).to_contain_text("Vũ Văn Mới")
    page.reload()
    expect(page.get_by_label("Tìm hội thoại")).to_have_value("giay the thao")
    expect(page.get_by_role("navigation", name="Danh sách hội thoại").get_by_role("link")).to_have_count(1)

    page.goto(f"{console_url}/console/#/inbox?view=unassigned")
    _open(page, "Vũ Văn Mới")
    expect(page.get_by_text("Còn 48 giờ miễn phí")).to_be_visible()
    _open(page, "Tô Thị Vừa")
    expect(page.get_by_text("Ngoài 48 giờ — tin nhắn tính phí, còn 4 ngày")).to_be_visible()
    expect(page.get_by_label("Nội dung trả lời")).to_be_visible()
    _open(page, "Đỗ Thị Cũ")
    expect(page.get_by_text("Ngoài 7 ngày — chỉ gửi được mẫu ZNS")).to_be_visible()
    expect(page.get_by_label("Nội dung trả lời")).to_have_count(0)
    assert_no_serious_axe_violations(page)


def test_a_new_customer_message_rings_and_a_claim_shows_live_in_another_agents_console(
        desktop_page, new_page, console_url, sandbox_app, connected, owner):
    make_staff(sandbox_app, "agent", "lan@shop.vn", name="Chị Lan")
    make_staff(sandbox_app, "agent", "binh@shop.vn", name="Anh Bình")
    lan_page, binh_page = desktop_page, new_page("phone")
    lan_page.add_init_script(NOTIFICATIONS)
    sign_in(lan_page, console_url, "lan@shop.vn")
    sign_in(binh_page, console_url, "binh@shop.vn")
    expect(lan_page.get_by_text("Không có hội thoại nào.")).to_be_visible()

    customer = connected.create_user("Mai Thị Hồng")
    customer_writes(sandbox_app, connected, customer, "Mình cần tư vấn gấp")
    expect(lan_page.get_by_role("link", name="Mai Thị Hồng")).to_be_visible(timeout=LIVE_MS)  # no reload
    lan_page.wait_for_function("window.__notes.length > 0", timeout=LIVE_MS)
    assert lan_page.evaluate("window.__notes")[0] == ["Hội thoại mới chưa ai nhận", "Mai Thị Hồng: Mình cần tư vấn gấp"]

    _open(binh_page, "Mai Thị Hồng")
    expect(binh_page.get_by_role("button", name="Nhận xử lý")).to_be_visible()
    _open(lan_page, "Mai Thị Hồng")
    lan_page.get_by_role("button", name="Nhận xử lý").click()
    expect(lan_page.get_by_text("Phụ trách: Chị Lan")).to_be_visible()
    # Bình's console hears of it within the live delay: the conversation is Lan's now, so it leaves his list and
    # his open copy is refused with who took it (agents only read their own and unassigned conversations).
    expect(binh_page.get_by_role("alert")).to_have_text("Chị Lan đang xử lý hội thoại này.", timeout=LIVE_MS)
    expect(binh_page.get_by_label("Nội dung trả lời")).to_have_count(0)
    binh_page.get_by_role("link", name="← Danh sách").click()
    expect(binh_page.get_by_text("Không có hội thoại nào.")).to_be_visible()
    assert_no_serious_axe_violations(binh_page)
