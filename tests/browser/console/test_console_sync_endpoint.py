"""An integrator's webhook endpoint on the sync page in a real browser: after days of failing it has turned itself
off and the page says so as an alert; the owner rotates its secret (shown once), turns it back on and sends what
it missed by time range, which reaches the receiver once. With axe."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from crm_sync.admin import save_connector
from miniapp_api.extensions import db
from tests.browser.console.conftest import assert_no_serious_axe_violations, sign_in
from tests.sync_helpers import connector, new_customer, phones, sync

pytestmark = pytest.mark.browser
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def test_an_endpoint_that_turned_itself_off_is_fixed_and_sent_what_it_missed(
        desktop_page, console_url, sandbox_app, webhook_receiver, owner, stopped_clock):
    page = desktop_page
    with sandbox_app.app_context():
        save_connector(db.session, sandbox_app.config["SECRET_KEY"], "hooks", "webhook",
                       base_url=webhook_receiver.url, credentials={"secret": webhook_receiver.secret},
                       rate_limit_per_second=0, retry_schedule="60")
        db.session.commit()
    webhook_receiver.fail_next = 10**6
    numbers = iter(phones(10))
    for _ in range(7):
        new_customer(sandbox_app, next(numbers))
        sync(sandbox_app, "hooks")
        stopped_clock.advance(days=1)
    assert not connector(sandbox_app, "hooks").enabled
    missed = new_customer(sandbox_app, next(numbers))
    sync(sandbox_app, "hooks")  # fanned out while it is off: not queued for it
    stopped_clock.advance(seconds=1)

    sign_in(page, console_url, owner)
    page.goto(f"{console_url}/console/#/sync")
    card = page.locator("article.connector")
    expect(card.get_by_role("alert")).to_contain_text("Kết nối này đã tự tắt")
    assert_no_serious_axe_violations(page)
    card.get_by_role("button", name="Đổi khóa bí mật").click()
    shown = card.get_by_role("status")
    expect(shown).to_contain_text("whsec_")
    webhook_receiver.secret = shown.locator("code").inner_text()  # the integrator switches to it
    webhook_receiver.fail_next = 0
    card.get_by_role("button", name="Bật").click()
    expect(card.get_by_role("alert")).to_have_count(0)
    card.get_by_text("Gửi lại theo khoảng thời gian").click()
    ten_days_ago = stopped_clock.now().astimezone(VIETNAM) - dt.timedelta(days=10)
    card.get_by_label("Từ lúc").fill(ten_days_ago.strftime("%Y-%m-%dT%H:%M"))  # the browser's zone is Vietnam's
    card.get_by_role("button", name="Gửi lại", exact=True).click()
    expect(page.get_by_text("Đã xếp gửi")).to_be_visible()
    sync(sandbox_app, "hooks")
    assert missed in {body["data"]["ref"] for body in webhook_receiver.accepted.values()}
    assert webhook_receiver.duplicates == []
    assert_no_serious_axe_violations(page)
    page.screenshot(path="/tmp/console-sync-endpoint.png", full_page=True)
