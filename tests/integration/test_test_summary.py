"""The suite's closing summary tells the truth about what was skipped and why."""
from __future__ import annotations

import pathlib

CONFTEST = pathlib.Path(__file__).resolve().parents[1] / "conftest.py"


def test_browser_skips_are_reported_as_browser_skips_not_postgresql(pytester, monkeypatch):
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("PYTHONPATH", str(CONFTEST.parent.parent))
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makeini("[pytest]\nmarkers =\n    browser: drives Chromium\n")
    pytester.makepyfile(test_inner='''
import pytest

@pytest.mark.browser
def test_page():
    pytest.skip("browser test skipped: no `chromium` on PATH")

def test_storage(database_url):
    pass
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines([
        "PostgreSQL: not configured, 1 PostgreSQL test runs skipped*",
        "Browser: 1 browser test runs skipped (browser test skipped: no `chromium` on PATH).",
    ])
