"""Forms through the staff API (the console's Forms tab): list with submission counts, export, check an import
without saving it (what it would do, and the definition for a preview), import (a change bumps the version,
submissions keep theirs), and a bad definition is a 422 naming the field that saves nothing."""
import copy

import pytest
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Form
from miniapp_api.models.staff import ADMIN, OWNER, VIEWER
from miniapp_api.services.forms.definitions import default_form_definition
from tests.inbox_helpers import audit_actions, call
from tests.staff_helpers import staff_headers

FORMS = "/api/v1/admin/forms"


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, OWNER)


def _versions(app) -> dict:
    with app.app_context():
        return dict(db.session.execute(sa.select(Form.slug, Form.version)).all())


def test_export_edit_check_and_import_a_form(client, app, owner):
    status, forms = call(client, "GET", FORMS, owner)
    assert status == 200 and [(f["slug"], f["version"], f["submissions"]) for f in forms] == [("lien-he", 1, 0)]
    status, definition = call(client, "GET", f"{FORMS}/lien-he", owner)
    assert status == 200 and definition == {**default_form_definition(), "version": 1}

    edited = copy.deepcopy(definition)
    edited["fields"].append({"name": "size", "type": "choice", "label": {"vi": "Cỡ áo", "en": "Size"},
                             "options": [{"value": "s", "label": {"vi": "Nhỏ"}}, {"value": "m", "label": {"vi": "Vừa"}}]})
    status, plan = call(client, "POST", f"{FORMS}/check", owner, json=edited)
    assert status == 200 and (plan["action"], plan["version"]) == ("update", 2)
    assert plan["definition"]["fields"][-1]["label"] == {"vi": "Cỡ áo", "en": "Size"}
    assert _versions(app) == {"lien-he": 1}  # a check saves nothing

    status, summary = call(client, "POST", FORMS, owner, json=edited)
    assert status == 200 and (summary["version"], summary["fields_count"]) == (2, len(definition["fields"]) + 1)
    assert call(client, "POST", f"{FORMS}/check", owner, json=edited)[1]["action"] == "unchanged"
    assert call(client, "POST", FORMS, owner, json=edited)[1]["version"] == 2  # the same again: no new version

    new = {"slug": "dat-lich", "title": {"vi": "Đặt lịch hẹn"},
           "fields": [{"name": "full_name", "type": "text", "label": {"vi": "Họ tên"}, "required": True}]}
    assert call(client, "POST", f"{FORMS}/check", owner, json=new)[1]["action"] == "create"
    status, summary = call(client, "POST", FORMS, owner, json=new)
    assert status == 201 and summary["version"] == 1
    assert _versions(app) == {"lien-he": 2, "dat-lich": 1}
    assert audit_actions(app).count("form.import") == 3


@pytest.mark.parametrize("change, field", [
    (lambda d: d.update(slug="Có Dấu"), "slug"),
    (lambda d: d["fields"].append(dict(d["fields"][0])), "fields"),
    (lambda d: d["fields"][0].update(type="signature"), "fields"),
    (lambda d: d["fields"].append({"name": "size", "type": "choice", "label": {"vi": "Cỡ"}}), "fields"),
    (lambda d: d.update(unknown=1), "unknown"),
    (lambda d: d.pop("title"), "title"),
])
def test_a_bad_definition_is_a_422_naming_the_field_and_changes_nothing(client, app, owner, change, field):
    definition = call(client, "GET", f"{FORMS}/lien-he", owner)[1]
    change(definition)
    for path in (f"{FORMS}/check", FORMS):
        status, problem = call(client, "POST", path, owner, json=definition)
        assert status == 422 and field in problem["errors"], problem
    assert _versions(app) == {"lien-he": 1} and "form.import" not in audit_actions(app)


def test_viewers_read_forms_and_only_owners_and_admins_import(client, app, owner):
    viewer, admin = staff_headers(app, client, VIEWER), staff_headers(app, client, ADMIN, "admin@shop.vn")
    definition = call(client, "GET", f"{FORMS}/lien-he", viewer)[1]
    assert call(client, "POST", FORMS, viewer, json=definition)[0] == 403
    assert call(client, "POST", f"{FORMS}/check", viewer, json=definition)[0] == 403
    assert call(client, "POST", FORMS, admin, json=definition)[0] == 200
    assert call(client, "GET", f"{FORMS}/khong-co", viewer)[0] == 404
