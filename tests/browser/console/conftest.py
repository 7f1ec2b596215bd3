"""The console in a real browser: the app on a loopback port with the Zalo emulator (SANDBOX on, as `make run`
has it), a real worker process when a test needs deliveries, and Chromium at a desktop and a phone width.

Page tests take `page` (parametrised over both widths, so each test runs twice) or `desktop_page` when the
width does not matter to what is tested, sign in with `sign_in`, and end with `assert_no_serious_axe_violations`.
"""
from __future__ import annotations

import datetime as dt
import json
import pathlib

import pytest

from miniapp_api import clock
from sandbox.server import BackgroundServer
from tests.staff_helpers import PASSWORD, make_staff
from tests.worker_helpers import Worker

AXE = pathlib.Path(__file__).resolve().parent.parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}

pytestmark = pytest.mark.browser


@pytest.fixture
def console_url(sandbox_app):
    """The product's base URL; the console is at `<console_url>/console/`."""
    with BackgroundServer(sandbox_app) as server:
        yield server.url


@pytest.fixture
def stopped_clock():
    """The server's clock stopped at the real time (a frozen clock from 2026-11-01 would date the session cookie
    in the browser's past, which drops it); `advance` moves it."""
    frozen = clock.FrozenClock(dt.datetime.now(dt.UTC))
    previous = clock.install(frozen)
    yield frozen
    clock.install(previous)


@pytest.fixture
def worker(sandbox_app, tmp_path):
    """A real `python -m miniapp_api.worker` on the test's database, for OA sends and CRM deliveries."""
    running = Worker(sandbox_app, tmp_path / "worker.log")
    running.wait_for_line("started with jobs")
    yield running
    running.stop()


def _context(browser, width: str):
    return browser.new_context(viewport=WIDTHS[width], locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")


# The page fixtures take `console_url` so that pages close before the server stops and the app's engine is
# disposed: an open console polls the change feed every second, and a request in flight at dispose time would
# leave a database connection to be garbage-collected (a ResourceWarning failing some later test).

@pytest.fixture(params=sorted(WIDTHS))
def page(request, browser, console_url):
    """A fresh page at each width in turn (`page.viewport_size` tells which)."""
    context = _context(browser, request.param)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop_page(browser, console_url):
    context = _context(browser, "desktop")
    yield context.new_page()
    context.close()


@pytest.fixture
def new_page(browser, console_url):
    """More pages in their own contexts (a second agent in another browser): `new_page("phone")`."""
    contexts = []

    def make(width: str = "desktop"):
        context = _context(browser, width)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def owner(sandbox_app) -> str:
    """An owner account (password `tests.staff_helpers.PASSWORD`); returns its email."""
    make_staff(sandbox_app, "owner", "chu.cua.hang@shop.vn", name="Chị Hoa")
    return "chu.cua.hang@shop.vn"


@pytest.fixture
def connected(sandbox_app, zalo):
    """The OA connected (a token pair stored), so replies go out to the emulator."""
    from miniapp_api.zalo.oauth import TokenPair

    access, refresh = zalo.issue_oa_tokens()
    with sandbox_app.app_context():
        sandbox_app.extensions["oa_tokens"].save_pair(TokenPair(access, refresh, 90000), source="test")
    return zalo


def customer_writes(sandbox_app, zalo, user, text: str) -> None:
    """The customer writes to the OA; the worker's jobs apply it (in-process, as the real worker would)."""
    from tests.oa_helpers import customer_says, run_worker

    customer_says(sandbox_app.test_client(), zalo, user, "text", text=text)
    run_worker(sandbox_app)


def sign_in(page, console_url: str, email: str, password: str = PASSWORD) -> None:
    """Through the sign-in form, as a person would; waits for the frame (the menu is folded on phones)."""
    page.goto(f"{console_url}/console/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.locator("nav.menu").wait_for(state="attached")


def assert_no_serious_axe_violations(page) -> None:
    """axe-core (vendored, run in the page) finds no serious or critical accessibility violation."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => JSON.stringify((await axe.run(document)).violations)")
    serious = [v for v in json.loads(result) if v.get("impact") in ("serious", "critical")]
    assert not serious, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in serious)
