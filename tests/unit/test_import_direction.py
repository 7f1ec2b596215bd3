"""The two packages depend one way: `crm_sync` is a plugin of `miniapp_api` and may import it, never the reverse."""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def imported_modules(path: pathlib.Path) -> set[str]:
    """Every absolute module a file imports (relative imports stay inside its own package)."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def importers_of(package: str, inside: str) -> list[str]:
    return sorted(str(path.relative_to(ROOT)) for path in (ROOT / inside).rglob("*.py")
                  if any(m == package or m.startswith(package + ".") for m in imported_modules(path)))


def test_miniapp_api_never_imports_crm_sync():
    assert importers_of("crm_sync", "miniapp_api") == []


def test_the_check_sees_an_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from crm_sync.engine import sync_all\n", encoding="utf-8")
    assert "crm_sync.engine" in imported_modules(sample)
