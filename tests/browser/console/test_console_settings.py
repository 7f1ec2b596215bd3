"""Settings in a real browser: an owner adds a staff member and sets her a new password, creates an API key
(its secret shown once) and revokes it, adds a saved reply and an automatic reply and tries a message, and sees
the OA connected. At 1280 px and 375 px, with axe."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.console.conftest import assert_no_serious_axe_violations, customer_writes, sign_in

pytestmark = pytest.mark.browser


def test_an_owner_sets_the_shop_up(page, console_url, sandbox_app, connected, owner):
    sign_in(page, console_url, owner)
    page.goto(f"{console_url}/console/#/settings?tab=staff")
    page.get_by_label("Họ tên").fill("Chị Lan")
    page.get_by_label("Email").fill("lan@shop.vn")
    page.get_by_label("Mật khẩu", exact=True).fill("mat-khau-cua-lan")
    page.get_by_role("button", name="Thêm nhân viên").click()
    lan = page.locator("li.card", has_text="lan@shop.vn")
    expect(lan).to_contain_text("Chị Lan")
    lan.get_by_label("Mật khẩu mới (ít nhất 10 ký tự)").fill("mat-khau-moi-cua-lan")
    lan.get_by_role("button", name="Đặt mật khẩu mới").click()
    expect(page.get_by_text("Đã đặt mật khẩu mới; các phiên đăng nhập của Chị Lan đã kết thúc.")).to_be_visible()
    assert_no_serious_axe_violations(page)

    page.get_by_role("button", name="Khóa API").click()
    page.get_by_label("Tên khóa").fill("KiotViet đồng bộ")
    page.get_by_role("button", name="Tạo khóa").click()
    secret = page.locator("code.secret")
    expect(secret).to_contain_text("zk_")
    shown = secret.inner_text()
    key = page.locator("li.card", has_text="KiotViet đồng bộ")
    key.get_by_role("button", name="Thu hồi").click()
    expect(key).to_contain_text("Đã thu hồi")
    page.reload()
    expect(page.get_by_text(shown)).to_have_count(0)  # shown once

    page.get_by_role("button", name="Câu trả lời mẫu").click()
    page.get_by_label("Phím tắt").fill("camon")
    page.get_by_label("Tiêu đề").fill("Cảm ơn")
    page.get_by_label("Nội dung").fill("Dạ cảm ơn {ten_khach} đã ủng hộ shop ạ!")
    page.get_by_role("button", name="Thêm câu trả lời mẫu").click()
    expect(page.get_by_text("/camon")).to_be_visible()

    page.get_by_role("button", name="Trả lời tự động").click()
    form = page.locator(".card", has=page.get_by_role("heading", name="Thêm quy tắc"))
    form.get_by_label("Tên quy tắc").fill("ship")
    form.get_by_label("Từ khóa").fill("phi ship")
    form.get_by_label("Trả lời", exact=True).fill("Dạ phí ship nội thành 20.000đ ạ")
    form.get_by_role("button", name="Thêm quy tắc").click()
    expect(page.get_by_text("ship", exact=True)).to_be_visible()
    page.get_by_label("Khách nhắn").fill("Phí ship bao nhiêu shop?")
    page.get_by_role("button", name="Thử", exact=True).click()
    answer = page.locator(".try-answer")
    expect(answer).to_contain_text("Quy tắc ship trả lời:")
    expect(answer).to_contain_text("Dạ phí ship nội thành 20.000đ ạ")
    assert_no_serious_axe_violations(page)
    page.screenshot(path=f"/tmp/console-settings-{page.viewport_size['width']}.png", full_page=True)

    customer = connected.create_user("Khách hỏi ship")  # the rule answers the next customer who asks
    customer_writes(sandbox_app, connected, customer, "Phí ship về Thủ Đức bao nhiêu?")
    assert [m["message"]["text"] for m in connected.sent_messages
            if m["user_id"] == customer.oa_user_id] == ["Dạ phí ship nội thành 20.000đ ạ"]

    page.get_by_role("button", name="Kết nối Zalo OA").click()
    expect(page.get_by_text("Đã kết nối")).to_be_visible()


def test_a_welcome_and_hours_edited_here_greet_the_next_follower(page, console_url, sandbox_app, connected, owner):
    from tests.oa_helpers import customer_says, run_worker, zalo_window

    sign_in(page, console_url, owner)
    page.goto(f"{console_url}/console/#/settings?tab=welcome")
    preview = page.get_by_role("region", name="Người mới quan tâm sẽ nhận được")
    expect(preview).to_contain_text("Để lại thông tin:")  # the environment's welcome, with the form link
    page.get_by_label("Lời chào tiếng Việt").fill("Chào bạn, Shop Hoa Mai đây! Cần gì cứ nhắn nhé.")
    page.get_by_label("Kèm link biểu mẫu").uncheck()
    page.get_by_label("Giờ mở cửa (giờ Việt Nam)").fill("thứ hai 8h")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.locator(".field-error")).to_contain_text("business hours")  # refused, and nothing saved
    page.get_by_label("Giờ mở cửa (giờ Việt Nam)").fill("mon-sun 00:00-24:00")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Đã lưu.")).to_be_visible()
    expect(preview).to_have_text(re.compile("Chào bạn, Shop Hoa Mai đây! Cần gì cứ nhắn nhé.\\s*Đang trong giờ mở cửa"))
    assert_no_serious_axe_violations(page)
    page.screenshot(path=f"/tmp/console-welcome-{page.viewport_size['width']}.png", full_page=True)

    zalo_window(connected, follow_opens_window=True)
    follower = connected.create_user("Người mới")
    customer_says(sandbox_app.test_client(), connected, follower, "follow")
    run_worker(sandbox_app)
    assert [m["message"] for m in connected.sent_messages if m["user_id"] == follower.oa_user_id] == [
        {"text": "Chào bạn, Shop Hoa Mai đây! Cần gì cứ nhắn nhé."}]
    page.reload()
    expect(page.get_by_label("Lời chào tiếng Việt")).to_have_value("Chào bạn, Shop Hoa Mai đây! Cần gì cứ nhắn nhé.")
    page.get_by_role("button", name="Về mặc định").click()
    expect(preview).to_contain_text("Để lại thông tin:")


def test_a_form_is_exported_previewed_and_an_edited_definition_imported(page, console_url, sandbox_app, owner):
    sign_in(page, console_url, owner)
    page.goto(f"{console_url}/console/#/settings?tab=forms")
    row = page.locator("li.card", has_text="lien-he")
    expect(row).to_contain_text("Phiên bản 1")
    with page.expect_download() as got:
        row.get_by_role("button", name="Tải JSON").click()
    definition = json.loads(Path(got.value.path()).read_text(encoding="utf-8"))
    assert definition["slug"] == "lien-he" and definition["version"] == 1
    row.get_by_role("button", name="Xem trước").click()
    shown = page.frame_locator("iframe[title='Xem trước trang biểu mẫu']")
    expect(shown.get_by_role("heading", name="Liên hệ với cửa hàng")).to_be_visible()  # the Mini App's own card
    expect(shown.get_by_label("Số điện thoại")).to_be_visible()
    row.get_by_role("button", name="Xem trước").click()

    definition["fields"].append({"name": "size", "type": "choice", "label": {"vi": "Cỡ áo", "en": "Size"},
                                 "options": [{"value": "s", "label": {"vi": "Cỡ nhỏ"}},
                                             {"value": "m", "label": {"vi": "Cỡ vừa"}}]})
    broken = {**definition, "fields": [*definition["fields"], {"name": "x", "type": "signature", "label": {"vi": "X"}}]}
    page.get_by_label("Hoặc dán định nghĩa JSON").fill(json.dumps(broken, ensure_ascii=False))
    page.get_by_role("button", name="Kiểm tra và xem trước").click()
    expect(page.get_by_role("alert")).to_contain_text("fields ›")  # names the field that is wrong
    page.get_by_label("Hoặc dán định nghĩa JSON").fill(json.dumps(definition, ensure_ascii=False))
    page.get_by_role("button", name="Kiểm tra và xem trước").click()
    expect(page.get_by_text("Sẽ cập nhật lien-he lên phiên bản 2")).to_be_visible()
    preview = page.frame_locator("iframe[title='Xem trước trang biểu mẫu']")
    expect(preview.get_by_text("Cỡ vừa")).to_be_visible()
    assert_no_serious_axe_violations(page)
    page.screenshot(path=f"/tmp/console-forms-{page.viewport_size['width']}.png", full_page=True)
    page.get_by_role("button", name="Nhập biểu mẫu này").click()
    expect(page.get_by_text("Đã nhập lien-he, phiên bản 2.")).to_be_visible()
    expect(row).to_contain_text("Phiên bản 2")
