"""Journeys in a real browser: an owner builds the reminder (a form, then an hour, unless they ordered, a message)
as an ordered list of steps, turns it on, and reads the per-step counts and the customer's timeline as a customer
goes through it on the frozen clock; the message reaches the Zalo emulator once. With axe."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.console.conftest import assert_no_serious_axe_violations, sign_in
from tests.journey_helpers import form_filler, journey_tick
from tests.oa_helpers import run_worker

pytestmark = pytest.mark.browser
REMINDER = "Chào {ten_khach|bạn}, shop còn giữ ưu đãi cho bạn!"


def test_an_owner_builds_a_journey_step_by_step_and_follows_a_customer_through_it(
        page, console_url, sandbox_app, connected, owner, stopped_clock):
    sandbox_app.config["CAMPAIGN_QUIET_HOURS"] = ""  # the test may run at night in Vietnam
    sign_in(page, console_url, owner)
    page.goto(f"{console_url}/console/#/journeys")
    expect(page.get_by_text("Chưa có hành trình nào.")).to_be_visible()
    builder = page.get_by_role("form", name="Tạo hành trình")
    builder.get_by_label("Tên hành trình").fill("Nhắc khách sau đăng ký")
    builder.get_by_label("Biểu mẫu (mã, để trống: mọi biểu mẫu)").fill("lien-he")
    first, second = builder.get_by_role("listitem", name="Bước 1"), builder.get_by_role("listitem", name="Bước 2")
    first.get_by_label("Ngày", exact=True).fill("")
    first.get_by_label("Giờ", exact=True).fill("1")
    second.get_by_label("Loại bước").select_option(label="Điều kiện")  # the send moves down a step
    expect(second.get_by_label("Kiểm tra")).to_have_value("ordered_since_entry")
    builder.get_by_role("button", name="Thêm bước").click()
    builder.get_by_role("listitem", name="Bước 3").get_by_label("Nội dung").fill(REMINDER)
    assert_no_serious_axe_violations(page)
    builder.screenshot(path=f"/tmp/console-journey-builder-{page.viewport_size['width']}.png")
    builder.get_by_role("button", name="Tạo hành trình").click()

    expect(page.get_by_role("heading", name="Nhắc khách sau đăng ký")).to_be_visible()
    steps = page.get_by_role("region", name="Các bước")
    expect(steps).to_contain_text("Khách gửi biểu mẫu: lien-he")
    expect(steps.get_by_role("listitem")).to_have_text([
        "Chờ 1 giờ0 đang chờ bước này", "Đi tiếp nếu KHÔNG: khách đã đặt hàng từ khi vào0 đang chờ bước này",
        f"Gửi tin: {REMINDER}0 đang chờ bước này"])
    page.get_by_role("button", name="Bật hành trình").click()
    expect(page.get_by_text("Đang chạy", exact=True)).to_be_visible()

    client = sandbox_app.test_client()
    user, _, ref = form_filler(sandbox_app, client, connected, "Ngô Thị Mai", "84908000001")
    assert journey_tick(sandbox_app) == 1  # entered, waiting an hour
    expect(steps.get_by_role("listitem").first).to_contain_text("1 đang chờ bước này · đã chờ: 1", timeout=10_000)  # live
    stopped_clock.advance(hours=1, minutes=1)
    journey_tick(sandbox_app)
    run_worker(sandbox_app)
    assert [m["message"]["text"] for m in connected.sent_messages if m["user_id"] == user.oa_user_id] == [
        "Chào Ngô Thị Mai, shop còn giữ ưu đãi cho bạn!"]
    expect(steps.get_by_role("listitem").nth(2)).to_contain_text("gửi tin tư vấn: 1", timeout=10_000)
    counts = page.get_by_role("region", name="Số khách")
    expect(counts).to_contain_text("Đã đi hết1")
    expect(page.get_by_role("table", name="Khách trong hành trình").get_by_role("row", name="Ngô Thị Mai")).to_contain_text("Đã đi hết")
    assert_no_serious_axe_violations(page)
    page.screenshot(path=f"/tmp/console-journey-{page.viewport_size['width']}.png", full_page=True)

    page.get_by_role("link", name="Ngô Thị Mai").click()
    timeline = page.get_by_role("region", name="Hành trình")
    expect(timeline).to_contain_text("Nhắc khách sau đăng ký")
    expect(timeline).to_contain_text("Bước 3 · Gửi tin: gửi tin tư vấn")
    assert ref in page.url
    assert_no_serious_axe_violations(page)
