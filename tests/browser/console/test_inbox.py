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


def _open(page, name: str) -> None:
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
    assert_no_serious_axe_violations(page)

    _open(page, "Trần Thị Lan")
    history = page.get_by_role("region", name="Lịch sử tin nhắn")
    expect(history).to_contain_text("Shop ơi còn áo sơ mi trắng không?")
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

    page.get_by_role("button", name="Ghi chú nội bộ").click()
    page.get_by_label("Nội dung ghi chú").fill("Khách quen, ưu tiên giao nhanh")
    page.get_by_role("button", name="Lưu ghi chú").click()
    expect(history.locator(".message-note")).to_contain_text("Ghi chú · Chị Hoa")
    expect(history.locator(".message-note")).to_contain_text("Khách quen, ưu tiên giao nhanh")
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
    customer_writes(sandbox_app, connected, old, "Hỏi giá váy đỏ")
    customer_writes(sandbox_app, connected, new, "Hỏi giá giày thể thao")
    with sandbox_app.app_context():  # her last message was 8 days ago: Zalo's window is closed
        conversation = db.session.get(Conversation, _conversation_id(sandbox_app, old))
        conversation.last_customer_message_at -= dt.timedelta(days=8)
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
    _open(page, "Đỗ Thị Cũ")
    expect(page.get_by_text("Ngoài 7 ngày — chỉ gửi được mẫu ZNS")).to_be_visible()
    expect(page.get_by_label("Nội dung trả lời")).to_have_count(0)
    assert_no_serious_axe_violations(page)
