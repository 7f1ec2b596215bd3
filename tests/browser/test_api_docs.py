"""`/docs` in headless Chromium: the vendored Swagger UI renders the OpenAPI 3.1 document, its paths and the
webhook events integrators receive, with no network beyond the app itself."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sandbox.server import BackgroundServer

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_the_3_1_document_with_its_webhooks(browser, sandbox_app):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    outside = []
    with BackgroundServer(sandbox_app) as server:
        page.on("request", lambda request: None if request.url.startswith(server.url) else outside.append(request.url))
        page.goto(f"{server.url}/docs")
        expect(page.get_by_text("/api/v1/miniapp/session", exact=True).first).to_be_visible(timeout=20_000)
        expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
        for event_type in ("customer.upserted", "customer.erased", "order.status_changed"):
            expect(page.locator(".opblock-summary", has_text=event_type).first).to_be_visible()
        expect(page.get_by_text("Unable to render this definition")).to_have_count(0)
        context.close()
    assert outside == []
