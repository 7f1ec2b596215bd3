"""Debian's Chromium driven by Playwright, for every browser test (the Mini App page and the console)."""
from __future__ import annotations

import contextlib
import shutil

import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def chromium():
    """A headless Chromium, or the test is skipped with the reason (the package is not installed)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("browser test skipped: no `chromium` on PATH (Debian/Ubuntu: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
