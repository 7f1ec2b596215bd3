"""The console's frame: sign-in (and its refusals as sentences), the menu at both widths, language, sign-out."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.console.conftest import assert_no_serious_axe_violations, sign_in

pytestmark = pytest.mark.browser


def test_sign_in_overview_language_and_sign_out(page, console_url, owner):
    page.goto(f"{console_url}/console/")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    assert_no_serious_axe_violations(page)

    page.get_by_label("Email").fill(owner)
    page.get_by_label("Mật khẩu").fill("sai-mat-khau-roi")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_contain_text("Sai email hoặc mật khẩu")

    sign_in(page, console_url, owner)
    if page.viewport_size["width"] < 700:  # the menu folds behind a button on phones
        expect(page.get_by_role("link", name="Tổng quan")).to_be_hidden()
        page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Tổng quan")).to_be_visible()
    expect(page.get_by_role("heading", name="Hội thoại", level=1)).to_be_visible()  # the inbox is home
    page.get_by_role("link", name="Tổng quan").click()
    expect(page.get_by_role("heading", name="Xin chào, Chị Hoa")).to_be_visible()
    expect(page.get_by_text("Sẵn sàng")).to_be_visible()
    assert_no_serious_axe_violations(page)

    page.reload()  # the cookie survives; the CSRF token is asked again, so changes still work after a reload
    if page.viewport_size["width"] < 700:
        page.get_by_role("button", name="Menu").click()
    page.get_by_label("Ngôn ngữ").select_option("en")
    expect(page.get_by_role("heading", name="Hello, Chị Hoa")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    page.goto(f"{console_url}/console/#/overview")  # signed out for real: the server refuses the old cookie
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_too_many_wrong_passwords_read_as_a_sentence_with_the_wait(page, console_url, sandbox_app, owner):
    client = sandbox_app.test_client()
    for _ in range(10):  # LOGIN_RATE_LIMIT: 10 per 15 minutes, per address and per account
        with client.post("/api/v1/admin/auth/login", json={"email": owner, "password": "sai-mat-khau"}) as answer:
            assert answer.status_code == 401
    page.goto(f"{console_url}/console/")
    page.get_by_label("Email").fill(owner)
    page.get_by_label("Mật khẩu").fill("mat-khau-dung-cung-phai-cho")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile(r"Đăng nhập sai quá nhiều lần; hãy thử lại sau 1[45] phút"))
    assert_no_serious_axe_violations(page)
