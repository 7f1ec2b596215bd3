"""A shop owner runs a CRM's initial sync from the sync page in a real browser, at both widths: the card says none
has run, the owner starts it, the bars follow the worker page by page (done / total, records a second, time
left), and it ends done with each phase's counts. With axe."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crm_sync import initial_sync
from miniapp_api.extensions import db
from tests.browser.console.conftest import assert_no_serious_axe_violations, sign_in
from tests.initial_sync_helpers import drive, zalo_user
from tests.sync_helpers import add_shopone

pytestmark = pytest.mark.browser


def test_an_owner_starts_the_initial_sync_and_watches_it_finish(page, console_url, sandbox_app, shopone, owner,
                                                                 stopped_clock):
    add_shopone(sandbox_app, shopone)
    with sandbox_app.app_context():
        zalo_user("app-1", "+84907000001", name="Lan")
        db.session.commit()
    shopone.add_native({"name": "Lan", "phone": "0907000001"})
    for n in range(149):
        shopone.add_native({"name": f"Khách {n}", "phone": f"0908{n:06d}"})

    sign_in(page, console_url, owner)
    page.goto(f"{console_url}/console/#/sync")
    card = page.get_by_role("region", name="Đồng bộ lần đầu")
    expect(card).to_contain_text("Chưa đồng bộ lần đầu")
    assert_no_serious_axe_violations(page)
    card.get_by_role("button", name="Bắt đầu đồng bộ lần đầu").click()
    expect(card).to_contain_text("đang chạy")

    with sandbox_app.app_context():
        initial_sync.run_due(sandbox_app, db.session, "worker-1", max_pages=1)
    stopped_clock.advance(seconds=20)
    link = card.get_by_role("progressbar", name="Lấy khách hàng của CRM và nối với hồ sơ")
    expect(link).to_have_attribute("aria-valuenow", "67")  # the bar follows by itself (polled)
    expect(card).to_contain_text("100 / 150")
    expect(card).to_contain_text("5 bản ghi/giây")
    expect(card).to_contain_text("còn khoảng")
    page.screenshot(path=f"/tmp/console-initial-sync-running-{page.viewport_size['width']}.png", full_page=True)
    assert_no_serious_axe_violations(page)

    drive(sandbox_app, stopped_clock, "shopone")
    expect(card).to_contain_text("xong")
    expect(link).to_have_attribute("aria-valuenow", "100")
    expect(card).to_contain_text("nối qua số điện thoại đã xác minh: 1")
    expect(card.get_by_role("button", name="Bắt đầu đồng bộ lần đầu")).to_be_visible()
    page.screenshot(path=f"/tmp/console-initial-sync-done-{page.viewport_size['width']}.png", full_page=True)
    assert_no_serious_axe_violations(page)
