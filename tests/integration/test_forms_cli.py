"""`flask forms list|export|import|seed` move form definitions as JSON."""
import json

import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Form


def test_list_and_export(runner):
    assert "lien-he\tv1\tactive" in runner.invoke(args=["forms", "list"]).output
    exported = json.loads(runner.invoke(args=["forms", "export", "lien-he"]).output)
    assert exported["slug"] == "lien-he" and len(exported["fields"]) == 7


def test_import_roundtrip_bumps_version_only_on_change(runner, app, tmp_path):
    definition = json.loads(runner.invoke(args=["forms", "export", "lien-he"]).output)
    path = tmp_path / "form.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    assert "updated lien-he v1" in runner.invoke(args=["forms", "import", str(path)]).output
    definition["fields"][5]["required"] = True
    path.write_text(json.dumps(definition), encoding="utf-8")
    assert "updated lien-he v2" in runner.invoke(args=["forms", "import", str(path)]).output
    definition["slug"] = "dat-lich"
    path.write_text(json.dumps(definition), encoding="utf-8")
    assert "created dat-lich v1" in runner.invoke(args=["forms", "import", str(path)]).output


def test_invalid_definition_is_refused_with_reasons(runner, app, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"slug": "Bad Slug", "title": {"vi": "x"}, "fields": [
        {"name": "a", "type": "choice", "label": {"vi": "A"}}]}), encoding="utf-8")
    result = runner.invoke(args=["forms", "import", str(path)])
    assert result.exit_code != 0
    assert "slug" in result.output and "options" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Form)) == 1


def test_seed_does_not_overwrite(runner):
    result = runner.invoke(args=["forms", "seed"])
    assert result.exit_code == 0
