"""The audit log in a real browser: admins read who did what, filter it; agents have no such page. With axe."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.console.conftest import assert_no_serious_axe_violations, customer_writes, sign_in
from tests.inbox_helpers import BASE, call
from tests.staff_helpers import auth, login, make_staff

pytestmark = pytest.mark.browser


def test_admins_read_and_filter_the_log_and_agents_do_not_see_it(page, console_url, sandbox_app, connected, owner):
    make_staff(sandbox_app, "admin", "quan.ly@shop.vn", name="Anh Minh")
    make_staff(sandbox_app, "agent", "lan@shop.vn", name="Chị Lan")
    client = sandbox_app.test_client()
    owner_headers = auth(login(client, owner))
    status, _ = call(client, "POST", "/api/v1/admin/saved-replies", owner_headers,
                     json={"shortcut": "chao", "title": "Chào", "text": "Dạ em chào anh/chị"})
    assert status == 201
    customer_writes(sandbox_app, connected, connected.create_user("Khách kiểm tra"), "Alo shop")
    [conversation] = call(client, "GET", BASE, owner_headers)[1]["items"]
    path = f"{BASE}/{conversation['id']}"
    for action, body in (("claim", None), ("reply", {"text": "Dạ em nghe"}), ("notes", {"text": "ghi chú"}),
                         ("close", None)):
        assert call(client, "POST", f"{path}/{action}", owner_headers, json=body)[0] in (200, 201), action

    sign_in(page, console_url, "quan.ly@shop.vn")
    page.goto(f"{console_url}/console/#/audit")
    log = page.get_by_role("table", name="Nhật ký thao tác")
    expect(log).to_contain_text("saved_reply.create")
    expect(log).to_contain_text(owner)
    for action in ("conversation.claim", "conversation.reply", "conversation.note", "conversation.close"):
        expect(log).to_contain_text(action)
    page.get_by_label("Thao tác (ví dụ conversation.assign)").fill("saved_reply.create")
    page.get_by_role("button", name="Lọc").click()
    expect(log.locator("tbody tr")).to_have_count(1)
    assert_no_serious_axe_violations(page)

    if page.viewport_size["width"] < 760:  # the menu folds behind a button on phones
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Đăng xuất").click()
    sign_in(page, console_url, "lan@shop.vn")
    if page.viewport_size["width"] < 760:
        page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Hội thoại")).to_be_visible()
    expect(page.get_by_role("link", name="Nhật ký")).to_have_count(0)
    page.goto(f"{console_url}/console/#/audit")
    expect(page.get_by_text("Vai trò của bạn không mở được trang này.")).to_be_visible()
