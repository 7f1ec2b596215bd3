"""Reports in a real browser: after a customer was answered and the conversation closed, the page shows the
figures as durations and percentages, a chart with its numbers beside it, the agent's row, and the CSV holds
the same. At 1280 px and 375 px, with axe."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.console.conftest import assert_no_serious_axe_violations, customer_writes, sign_in
from tests.inbox_helpers import BASE, call
from tests.staff_helpers import auth, login, make_staff

pytestmark = pytest.mark.browser


def test_the_period_reads_at_a_glance_and_downloads(page, console_url, sandbox_app, connected, owner):
    make_staff(sandbox_app, "agent", "lan@shop.vn", name="Chị Lan")
    client = sandbox_app.test_client()
    lan = auth(login(client, "lan@shop.vn"))
    customer = connected.create_user("Ngô Thị Mai")
    customer_writes(sandbox_app, connected, customer, "Shop ơi tư vấn giúp mình")
    [conversation] = call(client, "GET", BASE, lan)[1]["items"]
    assert call(client, "POST", f"{BASE}/{conversation['id']}/reply", lan, json={"text": "Dạ em đây ạ"})[0] == 201
    assert call(client, "POST", f"{BASE}/{conversation['id']}/close", lan)[0] == 200

    today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()  # the page's default: the last 7 days
    status, figures = call(client, "GET", "/api/v1/admin/metrics", lan,
                           query_string={"from": str(today - dt.timedelta(days=6)), "to": str(today)})
    assert status == 200

    sign_in(page, console_url, owner)
    page.goto(f"{console_url}/console/#/reports")
    expect(page.get_by_role("heading", name="Báo cáo", level=1)).to_be_visible()
    expect(page.locator(".figure-value").nth(1)).to_have_text("100%")  # the one wait was answered
    overall = figures["overall"]  # the page shows what the metrics API answers for the same period
    expect(page.get_by_text(f"{overall['answered']}/{overall['cycles']} lượt khách chờ đã được trả lời")).to_be_visible()
    expect(page.get_by_text(f"{overall['resolved']} hội thoại đã đóng")).to_be_visible()
    expect(page.get_by_role("img", name="Biểu đồ: Phản hồi đầu tiên theo ngày. Số liệu ở bảng bên cạnh.")).to_be_visible()
    agents = page.get_by_role("table", name="Theo nhân viên")
    expect(agents.get_by_role("row", name="Chị Lan")).to_be_visible()
    expect(page.get_by_role("table", name="Phản hồi đầu tiên theo ngày")).to_contain_text("giây")  # a duration
    assert_no_serious_axe_violations(page)
    page.screenshot(path=f"/tmp/console-reports-{page.viewport_size['width']}.png", full_page=True)

    with page.expect_download() as waiting:
        page.get_by_role("button", name="Tải CSV").click()
    lines = waiting.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("section,name,cycles,answered,response_rate")
    assert any(line.startswith("agent,Chị Lan,1,1,1,") for line in lines), lines
