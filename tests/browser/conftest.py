"""One headless Chromium for the whole session, shared by every browser test (Playwright's sync API allows one
driver per thread, so the Mini App and console tests must not each start their own)."""
from __future__ import annotations

import pytest

from tests.browser.chromium import chromium


@pytest.fixture(scope="session")
def browser():
    with chromium() as running:
        yield running
