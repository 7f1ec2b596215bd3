"""The docs are self-contained: every link in README.md and docs/ resolves to a file inside the repository."""
from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Markdown links/images `[text](target)` and inline-code relative paths such as `../x/y.md`.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_PATH = re.compile(r"`(\.{1,2}/[^`\s]+)`")
EXTERNAL = ("http://", "https://", "mailto:", "#")


def documents(root: pathlib.Path) -> list[pathlib.Path]:
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def broken_links(document: pathlib.Path, root: pathlib.Path) -> list[str]:
    """Targets in `document` that leave `root` or name no file there."""
    text = document.read_text(encoding="utf-8")
    targets = LINK.findall(text) + CODE_PATH.findall(text)
    broken = []
    for target in targets:
        if target.startswith(EXTERNAL):
            continue
        path = (document.parent / target.split("#", 1)[0]).resolve()
        if not path.is_relative_to(root) or not path.exists():
            broken.append(target)
    return broken


@pytest.mark.parametrize("document", documents(ROOT), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves_inside_the_repository(document):
    assert broken_links(document, ROOT) == []


def test_the_checker_catches_links_outside_or_missing(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "real.md").write_text("ok")
    page = tmp_path / "docs" / "page.md"
    page.write_text("[a](real.md) [b](real.md#part) [c](https://x.vn) [d](missing.md) "
                    "see `../../outside.md` and [e](../../etc/passwd)", encoding="utf-8")
    assert broken_links(page, tmp_path) == ["missing.md", "../../etc/passwd", "../../outside.md"]
