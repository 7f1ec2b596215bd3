"""Saved replies: every role reads them, owners and admins manage them; shortcuts are unique and well-formed;
the assign picker's list; a reply can carry the form link."""
from __future__ import annotations

import pytest

from tests.inbox_helpers import BASE, call, open_conversation
from tests.staff_helpers import make_staff, staff_headers

SAVED = "/api/v1/admin/saved-replies"


@pytest.fixture
def admin(app, client):
    return staff_headers(app, client, "admin")


def test_admins_manage_and_everyone_reads(app, client, admin):
    status, made = call(client, "POST", SAVED, admin, json={
        "shortcut": "chao", "title": "Chào khách", "text": "Dạ em chào {ten_khach}, em là {nhan_vien} ạ."})
    assert status == 201 and made["shortcut"] == "chao"
    agent = staff_headers(app, client, "agent", "lan@shop.vn")
    assert call(client, "GET", SAVED, agent) == (200, [made])
    assert call(client, "POST", SAVED, agent, json={"shortcut": "x", "title": "x", "text": "x"})[0] == 403
    status, edited = call(client, "PATCH", f"{SAVED}/{made['id']}", admin, json={"title": "Lời chào"})
    assert status == 200 and edited["title"] == "Lời chào" and edited["text"] == made["text"]
    with client.delete(f"{SAVED}/{made['id']}", headers=admin) as response:
        assert response.status_code == 204
    assert call(client, "GET", SAVED, agent) == (200, [])
    assert call(client, "DELETE", f"{SAVED}/{made['id']}", admin)[0] == 404


def test_a_taken_or_malformed_shortcut_is_refused_with_the_reason(client, admin):
    body = {"shortcut": "gia", "title": "Bảng giá", "text": "Dạ shop gửi bảng giá ạ"}
    assert call(client, "POST", SAVED, admin, json=body)[0] == 201
    status, problem = call(client, "POST", SAVED, admin, json=body)
    assert status == 409 and "shortcut" in problem["detail"]
    for shortcut in ("Gia", "/gia", "", "a" * 33, "giá"):
        status, problem = call(client, "POST", SAVED, admin, json={**body, "shortcut": shortcut})
        assert status == 422 and list(problem["errors"]) == ["shortcut"], shortcut
    status, problem = call(client, "POST", SAVED, admin, json={**body, "shortcut": "g2", "text": "   "})
    assert status == 422 and list(problem["errors"]) == ["text"]


def test_assignees_are_the_active_handlers(app, client, admin):
    make_staff(app, "agent", "binh@shop.vn", name="Bình")
    make_staff(app, "agent", "cu@shop.vn", name="Cũ", active=False)
    make_staff(app, "viewer", "xem@shop.vn", name="Xem")
    status, people = call(client, "GET", "/api/v1/admin/assignees", admin)
    assert status == 200
    assert [(p["name"], p["role"]) for p in people] == [("Admin", "admin"), ("Bình", "agent")]


def test_a_reply_can_carry_the_form_link(app, client, oa, admin):
    cid = open_conversation(app, client, oa)
    status, message = call(client, "POST", f"{BASE}/{cid}/reply", admin,
                           json={"text": "Chị điền giúp em thông tin nhé", "with_form_link": True})
    assert status == 201, message
    first, link = message["text"].split("\n")
    assert first == "Chị điền giúp em thông tin nhé"
    assert link.startswith(app.config["PUBLIC_BASE_URL"].rstrip("/") + "/miniapp/?") and "utm_source=staff_reply" in link
