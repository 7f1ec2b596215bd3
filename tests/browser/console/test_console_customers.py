"""Customers in a real browser: the list filters by tag and stage, a saved segment shows its live count, the
360 page changes the stage and tags, shows identities and conversations, and erasing asks for the typed ref.
At 1280 px and 375 px, with axe."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from miniapp_api.extensions import db
from miniapp_api.models import Customer
from tests.browser.console.conftest import assert_no_serious_axe_violations, customer_writes, sign_in
from tests.customer_helpers import full_customer
from tests.sync_helpers import add_shopone, applied_refs, sync

pytestmark = pytest.mark.browser


def test_the_list_the_360_and_erasure(page, console_url, sandbox_app, connected, owner):
    for name, text in (("Hoàng Thị Thu", "Mình muốn đặt hàng"), ("Lý Văn Bảo", "Cho hỏi giá")):
        customer_writes(sandbox_app, connected, connected.create_user(name), text)
    with sandbox_app.app_context():
        thu_ref = db.session.scalar(sa.select(Customer.ref).where(Customer.zalo_display_name == "Hoàng Thị Thu"))

    sign_in(page, console_url, owner)
    page.goto(f"{console_url}/console/#/customers")
    listing = page.get_by_role("table", name="Danh sách khách hàng")
    expect(listing.get_by_role("link")).to_have_count(2)
    assert_no_serious_axe_violations(page)

    listing.get_by_role("link", name="Hoàng Thị Thu").click()
    expect(page.get_by_role("heading", name="Hoàng Thị Thu", level=1)).to_be_visible()
    page.get_by_label("Đổi giai đoạn").select_option(label="Tiềm năng")
    expect(page.get_by_text("Đã chuyển sang Tiềm năng.")).to_be_visible()
    page.get_by_label("Tên thẻ").fill("vip-hcm")
    page.get_by_role("button", name="Thêm thẻ").click()
    expect(page.get_by_role("button", name="Bỏ thẻ vip-hcm")).to_be_visible()
    expect(page.get_by_role("link", name="Hội thoại #")).to_have_count(1)
    assert_no_serious_axe_violations(page)
    page.screenshot(path=f"/tmp/console-customer-{page.viewport_size['width']}.png", full_page=True)

    page.goto(f"{console_url}/console/#/customers?tag=vip-hcm&stage=qualified")
    expect(page.get_by_role("table", name="Danh sách khách hàng").get_by_role("link")).to_have_count(1)
    page.get_by_label("Tên nhóm").fill("Khách tiềm năng HCM")
    page.get_by_role("button", name="Lưu thành nhóm").click()
    expect(page.get_by_label("Nhóm đã lưu")).to_contain_text("Khách tiềm năng HCM (1 khách)")

    page.goto(f"{console_url}/console/#/customers/{thu_ref}")
    page.get_by_role("button", name="Xóa dữ liệu cá nhân").click()
    dialog = page.get_by_role("dialog", name="Xóa vĩnh viễn dữ liệu của khách này?")
    confirm = dialog.get_by_role("button", name="Xóa dữ liệu cá nhân")
    expect(confirm).to_be_disabled()
    dialog.get_by_label("Mã hồ sơ").fill(thu_ref)
    confirm.click()
    expect(page.get_by_text("Đã xóa dữ liệu", exact=True)).to_be_visible()
    with sandbox_app.app_context():
        assert db.session.scalar(sa.select(Customer.erased_at).where(Customer.ref == thu_ref)) is not None


def test_the_360_shows_form_labels_a_crm_order_and_a_dead_letter_until_it_is_replayed(
        page, console_url, sandbox_app, connected, shopone, owner):
    add_shopone(sandbox_app, shopone, pull_orders=True)
    ref = full_customer(sandbox_app.test_client(), sandbox_app, connected, order=False)["ref"]
    shopone.set_faults(reject_refs=[ref])
    shopone.put_order({"id": "SO-777", "status": "paid", "customer_ref": ref, "total": 1250000})
    sync(sandbox_app)

    sign_in(page, console_url, owner)
    page.goto(f"{console_url}/console/#/customers/{ref}")
    forms = page.locator("section.card", has=page.get_by_role("heading", name="Biểu mẫu đã gửi"))
    expect(forms).to_contain_text("Báo giá")  # the option's label, not its code
    expect(forms).not_to_contain_text("pricing")
    orders = page.get_by_role("table", name="Đơn hàng")
    expect(orders.get_by_role("row", name="SO-777")).to_contain_text("1.250.000 ₫")
    shopone.put_order({"id": "SO-777", "status": "shipped", "customer_ref": ref, "total": 1250000})
    sync(sandbox_app)
    page.reload()
    row = page.get_by_role("table", name="Đơn hàng").get_by_role("row", name="SO-777")
    row.get_by_text("Lịch sử trạng thái").click()
    expect(row.locator(".order-history")).to_contain_text("paid → shipped")
    crm = page.locator("section.card", has=page.get_by_role("heading", name="Đồng bộ CRM"))
    expect(crm).to_contain_text("rejected by the sandbox")
    consents = page.locator("section.card", has=page.get_by_role("heading", name="Đồng ý"))
    consents.get_by_text("Lịch sử đồng ý").click()
    expect(consents.locator(".consent-history li")).to_have_count(1)
    expect(consents.locator(".consent-history")).to_contain_text("qua biểu mẫu lien-he")
    expect(consents.locator(".consent-history q")).to_contain_text("Tôi đồng ý nhận thông tin khuyến mãi")
    assert_no_serious_axe_violations(page)

    shopone.set_faults(reject_refs=[])
    page.goto(f"{console_url}/console/#/sync")
    page.get_by_role("button", name="Gửi lại tất cả").click()
    expect(page.get_by_text("Không có bản ghi gửi hỏng.")).to_be_visible()
    sync(sandbox_app)
    page.goto(f"{console_url}/console/#/customers/{ref}")
    crm = page.locator("section.card", has=page.get_by_role("heading", name="Đồng bộ CRM"))
    expect(crm).not_to_contain_text("rejected by the sandbox")
    assert ref in applied_refs(shopone)  # the replayed record reached ShopOne
