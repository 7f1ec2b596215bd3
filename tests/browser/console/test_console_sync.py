"""The CRM sync page in a real browser: an owner adds a ShopOne connector (the key is never shown back), tests
it, sees a rejected record as a dead letter with ShopOne's answer and replays it once fixed. With axe."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.console.conftest import assert_no_serious_axe_violations, sign_in
from tests.conftest import SHOPONE_KEY
from tests.sync_helpers import applied_refs, new_customer, sync

pytestmark = pytest.mark.browser


def test_add_test_and_replay(page, console_url, sandbox_app, shopone, owner):
    sign_in(page, console_url, owner)
    page.goto(f"{console_url}/console/#/sync")
    expect(page.get_by_text("Chưa có kết nối CRM nào.")).to_be_visible()
    page.get_by_role("button", name="Thêm kết nối").click()
    page.get_by_label("Tên kết nối").fill("shopone")
    page.get_by_label("Địa chỉ API").fill(shopone.url)
    page.get_by_label("Khóa bí mật (api_key)").fill(SHOPONE_KEY)
    page.get_by_label("Lịch gửi").fill("every 10s")
    page.get_by_role("button", name="Lưu").click()
    card = page.locator("article.connector")
    expect(card).to_contain_text("Hoạt động tốt")
    expect(card).to_contain_text("api_key=•••")
    expect(page.get_by_text(SHOPONE_KEY)).to_have_count(0)
    card.get_by_role("button", name="Kiểm tra kết nối").click()
    expect(card.get_by_role("status")).to_contain_text("Kết nối được")

    ref = new_customer(sandbox_app)
    shopone.set_faults(reject_refs=[ref])
    sync(sandbox_app)
    page.reload()
    expect(page.locator("article.connector")).to_contain_text("Đang lỗi")
    dead = page.get_by_role("list", name="Bản ghi gửi hỏng")
    expect(dead).to_contain_text("HTTP 422")
    dead.get_by_text("Bên nhận trả lời").click()
    expect(dead).to_contain_text("rejected by the sandbox")
    assert_no_serious_axe_violations(page)
    page.screenshot(path=f"/tmp/console-sync-{page.viewport_size['width']}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]  # no sideways scroll

    shopone.set_faults(reject_refs=[])
    dead.get_by_role("button", name="Gửi lại").click()
    expect(page.get_by_text("Không có bản ghi gửi hỏng.")).to_be_visible()
    sync(sandbox_app)
    assert applied_refs(shopone) == [ref]
