"""End to end: the Mini App page in headless Chromium, against the real app on a loopback
port and the Zalo emulator, through the browser development adapter (SANDBOX on)."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Customer, FormSubmission
from miniapp_api.services.customers.snapshots import customer_snapshot
from sandbox.server import BackgroundServer
from tests.helpers import zalo_user

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    yield context.new_page()
    context.close()


@pytest.fixture
def live_url(sandbox_app):
    with BackgroundServer(sandbox_app) as server:
        yield server.url


def test_customer_fixes_errors_shares_phone_and_submits(page, live_url, sandbox_app, zalo):
    from playwright.sync_api import expect

    keys = []
    page.on("request", lambda r: keys.append(r.headers.get("idempotency-key"))
            if r.method == "POST" and r.url.endswith("/submissions") else None)
    page.goto(f"{live_url}/miniapp/")
    submit_vi = page.get_by_role("button", name="Gửi thông tin")

    page.get_by_label("Họ và tên").fill("Trần Thị Bình")
    page.get_by_label("Số điện thoại").fill("0123")
    page.get_by_label("Đặt hàng").check()
    page.get_by_label("Tỉnh/Thành phố").select_option("da-nang")
    page.get_by_label("Tôi đồng ý").check()
    submit_vi.click()
    expect(page.locator("#f-phone-error")).to_have_text("Số điện thoại không hợp lệ.")
    expect(page.get_by_label("Số điện thoại")).to_have_attribute("aria-invalid", "true")

    page.get_by_role("button", name="English").click()  # answers survive, server messages follow the language
    expect(page.get_by_label("Full name")).to_have_value("Trần Thị Bình")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#f-email-error")).to_have_text("Not a valid email address.")
    expect(page.locator("#f-phone-error")).to_have_text("Not a valid Vietnamese phone number.")

    page.get_by_label("Email").fill("Binh@Example.vn")
    page.get_by_role("button", name="Use my Zalo phone number").click()
    expect(page.get_by_text("Verified by Zalo")).to_be_visible()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()

    [user] = zalo.users.values()  # the test user the development adapter created
    with sandbox_app.app_context():
        submission = db.session.scalars(sa.select(FormSubmission)).one()
        profile = customer_snapshot(db.session, db.session.get(Customer, submission.customer_id))
    expect(page.locator(".ref strong")).to_have_text(submission.ref)
    phone = "+" + user.phone
    assert submission.values == {"full_name": "Trần Thị Bình", "phone": phone, "email": "binh@example.vn",
                                 "province": "da-nang", "interest": "order", "marketing_consent": True}
    assert profile["full_name"] == "Trần Thị Bình"
    assert profile["phones"] == [{"e164": phone, "verified": True}]
    assert (profile["email"], profile["province"]) == ("binh@example.vn", "Đà Nẵng")
    assert profile["zalo"] == {"app_user_id": user.app_user_id, "oa_user_id": user.oa_user_id}
    assert profile["consents"]["marketing"]["granted"] is True
    assert len(keys) == 3 and len(set(keys)) == 3 and all(keys)  # one key per distinct attempt


def test_outside_zalo_without_sandbox_the_page_asks_for_zalo(page, app):
    from playwright.sync_api import expect

    with BackgroundServer(app) as server:
        page.goto(f"{server.url}/miniapp/")
        expect(page.get_by_role("alert")).to_have_text("Vui lòng mở trang này trong ứng dụng Zalo.")


def test_inside_zalo_the_page_uses_zmp_sdk(page, app, zalo):
    """A stand-in for zmp-sdk published as `window.zmpSdk`, with tokens the emulator minted."""
    from playwright.sync_api import expect

    user = zalo_user(zalo, name="Lê Văn Cường", phone="84987654321")
    tokens = {"access": zalo.issue_access_token(user.app_user_id), "phone": zalo.issue_phone_code(user.app_user_id),
              "id": user.app_user_id, "idByOA": user.oa_user_id}
    page.add_init_script(f"""const z = {json.dumps(tokens)};
        window.zmpSdk = {{
          getAccessToken: async () => z.access,
          getPhoneNumber: async () => ({{token: z.phone}}),
          getUserInfo: async () => ({{userInfo: {{id: z.id, name: "Lê Văn Cường", idByOA: z.idByOA}}}}),
        }};""")
    with BackgroundServer(app) as server:
        page.goto(f"{server.url}/miniapp/")
        expect(page.get_by_label("Họ và tên")).to_have_value("Lê Văn Cường")  # prefilled from the profile
        expect(page.locator("#sandbox-badge")).to_be_hidden()
        page.get_by_role("button", name="Dùng số điện thoại Zalo").click()
        expect(page.get_by_label("Số điện thoại")).to_have_value("0987 654 321")
        page.get_by_label("Báo giá").check()
        page.get_by_role("button", name="Gửi thông tin").click()
        expect(page.get_by_role("heading", name="Cảm ơn bạn!")).to_be_visible()
    with app.app_context():
        submission = db.session.scalars(sa.select(FormSubmission)).one()
        profile = customer_snapshot(db.session, db.session.get(Customer, submission.customer_id))
    assert profile["zalo"] == {"app_user_id": user.app_user_id, "oa_user_id": user.oa_user_id}  # idByOA was sent
    assert profile["phones"] == [{"e164": "+84987654321", "verified": True}]
