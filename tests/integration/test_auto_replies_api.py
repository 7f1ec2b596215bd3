"""Automatic replies through the staff API: admins save and delete rules (the CLI's validation), everyone with
settings access tries a message to see which rule answers; nothing is sent by a try."""
from __future__ import annotations

from tests.inbox_helpers import call
from tests.staff_helpers import staff_headers

RULES = "/api/v1/admin/auto-replies"


def test_save_try_and_delete(app, client, zalo):
    admin = staff_headers(app, client, "admin")
    status, rule = call(client, "POST", RULES, admin, json={
        "name": "gia", "pattern": "gia", "reply_text": "Dạ shop gửi bảng giá ạ", "send_form_link": True})
    assert status == 200 and rule["match_type"] == "contains"
    assert call(client, "POST", RULES, admin, json={"name": "nv", "pattern": "nhan vien", "handover": True,
                                                    "priority": 5})[0] == 200
    assert [r["name"] for r in call(client, "GET", RULES, admin)[1]] == ["nv", "gia"]
    status, tried = call(client, "POST", f"{RULES}/try", admin, json={"text": "Giá bao nhiêu vậy?"})
    assert status == 200 and tried["rule"] == "gia" and tried["reply_text"].startswith("Dạ shop gửi bảng giá ạ\n")
    assert call(client, "POST", f"{RULES}/try", admin, json={"text": "cho gặp nhân viên"})[1]["handover"] is True
    assert call(client, "POST", f"{RULES}/try", admin, json={"text": "xin chào"})[1]["rule"] is None
    assert zalo.sent_messages == []
    with client.delete(f"{RULES}/gia", headers=admin) as response:
        assert response.status_code == 204
    assert [r["name"] for r in call(client, "GET", RULES, admin)[1]] == ["nv"]


def test_bad_rules_are_named(app, client):
    admin = staff_headers(app, client, "admin")
    for body, field in (({"name": "x", "pattern": "a"}, "reply_text"),
                        ({"name": "x", "pattern": "(", "match_type": "regex", "reply_text": "r"}, "pattern"),
                        ({"name": "x", "pattern": "a", "reply_text": "r", "business_hours": "moi ngay"}, "business_hours")):
        status, problem = call(client, "POST", RULES, admin, json=body)
        assert status == 422 and list(problem["errors"]) == [field], problem
    agent = staff_headers(app, client, "agent")
    assert call(client, "POST", RULES, agent, json={"name": "x", "pattern": "a", "reply_text": "r"})[0] == 403
