"""First run in a real browser: with no owner yet, the console asks for the setup code, creates the owner and
lands signed in; a wrong code is a sentence. At 1280 px and 375 px, with axe."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.console.conftest import assert_no_serious_axe_violations

pytestmark = pytest.mark.browser


def test_the_owner_is_created_with_the_setup_code(page, console_url, sandbox_app):
    code = sandbox_app.test_cli_runner().invoke(args=["staff", "setup-code"]).stdout.strip()
    page.goto(f"{console_url}/console/")
    expect(page.get_by_role("heading", name="Tạo tài khoản chủ cửa hàng")).to_be_visible()
    assert_no_serious_axe_violations(page)
    page.get_by_label("Mã thiết lập").fill("ABCD-EFGH")
    page.get_by_label("Họ tên").fill("Chị Hoa")
    page.get_by_label("Email").fill("chu@shop.vn")
    page.get_by_label("Mật khẩu").fill("mat-khau-that-dai")
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_role("alert")).to_contain_text("Mã thiết lập không đúng hoặc đã hết hạn")
    page.screenshot(path=f"/tmp/console-first-run-{page.viewport_size['width']}.png", full_page=True)
    page.get_by_label("Mã thiết lập").fill(code.lower())
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_role("heading", name="Hội thoại", level=1)).to_be_visible()
    page.reload()  # a real session: the cookie signs her in again
    expect(page.get_by_role("heading", name="Hội thoại", level=1)).to_be_visible()
