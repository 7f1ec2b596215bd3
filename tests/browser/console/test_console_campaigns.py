"""Campaigns in a real browser: an owner writes one to a tag, plans it (recipients by channel, who is skipped and
why), starts it, and watches the results fill in; the message reaches the Zalo emulator once. With axe."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.console.conftest import assert_no_serious_axe_violations, sign_in
from tests.campaign_helpers import send_tick, shopper, tag
from tests.oa_helpers import run_worker
from tests.staff_helpers import auth, login

pytestmark = pytest.mark.browser


def test_an_owner_plans_starts_and_follows_a_campaign(page, console_url, sandbox_app, connected, owner):
    sandbox_app.config["CAMPAIGN_QUIET_HOURS"] = ""  # the test may run at night in Vietnam
    client = sandbox_app.test_client()
    headers = auth(login(client, owner))
    user, ref = shopper(sandbox_app, client, connected, "Ngô Thị Mai", "84908000001")
    _, declined = shopper(sandbox_app, client, connected, "Lý Văn Không", "84908000002", consent=False)
    for who in (ref, declined):
        tag(client, headers, who, "vip")

    sign_in(page, console_url, owner)
    page.goto(f"{console_url}/console/#/campaigns")
    expect(page.get_by_text("Chưa có chiến dịch nào.")).to_be_visible()
    page.get_by_label("Tên chiến dịch").fill("Tri ân khách VIP")
    page.get_by_label("Thẻ (cách nhau bằng dấu phẩy)").fill("vip")
    page.get_by_label("Nội dung").fill("Chào {ten_khach|bạn}, shop tặng bạn mã VIP10!")
    page.get_by_label("Tốc độ (tin/phút)").fill("600")
    page.get_by_role("button", name="Tạo chiến dịch").click()
    expect(page.get_by_role("heading", name="Tri ân khách VIP")).to_be_visible()
    assert_no_serious_axe_violations(page)

    trial = page.get_by_role("region", name="Xem trước và gửi thử")
    trial.get_by_label("Mã khách hàng").fill(ref)
    trial.get_by_role("button", name="Xem trước").click()
    expect(trial.get_by_role("status")).to_contain_text("Chào Ngô Thị Mai, shop tặng bạn mã VIP10!")
    trial.get_by_label("Mã khách hàng").fill(declined)
    trial.get_by_role("button", name="Gửi thử").click()
    expect(trial.get_by_role("alert")).to_contain_text("chưa đồng ý")  # no consent: refused, with the reason
    page.get_by_role("button", name="Lập kế hoạch").click()
    plan = page.get_by_role("region", name="Kế hoạch")
    expect(plan).to_contain_text("2 người nhận")
    expect(plan).to_contain_text("Bỏ qua: Chưa đồng ý nhận tin")
    page.get_by_role("button", name="Bắt đầu gửi").click()
    expect(page.get_by_text("Đang gửi", exact=True)).to_be_visible()
    assert send_tick(sandbox_app) == 1
    assert send_tick(sandbox_app) == 0  # nobody left: the campaign is finished
    run_worker(sandbox_app)
    funnel = page.get_by_role("region", name="Kết quả")
    expect(funnel.locator("li", has_text="Zalo đã nhận")).to_contain_text("1", timeout=10_000)  # refreshed live
    expect(page.get_by_text("Đã xong", exact=True)).to_be_visible(timeout=10_000)
    assert [m["message"]["text"] for m in connected.sent_messages if m["user_id"] == user.oa_user_id][-1] == \
        "Chào Ngô Thị Mai, shop tặng bạn mã VIP10!"
    recipients = page.get_by_role("table", name="Người nhận")
    expect(recipients.get_by_role("row", name="Lý Văn Không")).to_contain_text("Chưa đồng ý nhận tin")
    assert_no_serious_axe_violations(page)
    page.screenshot(path=f"/tmp/console-campaign-{page.viewport_size['width']}.png", full_page=True)
