"""Journeys over HTTP against the strict Zalo emulator, on a frozen clock: the reminder three days after a form
with no order (a reply or an order lets the customer out), entering once, each trigger kind, every step type,
quiet hours, the customer's timeline, edits and archive, merges and erasure, and a step run once however the
work is interrupted or shared."""
from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Customer, Journey, JourneyEnrollment, JourneyStepRun, Message
from miniapp_api.services.journeys import triggers
from miniapp_api.services.campaigns import dispatch as dispatch_module
from tests.campaign_helpers import shopper, tag
from tests.customer_helpers import add_order
from tests.helpers import open_session
from tests.inbox_helpers import call
from tests.journey_helpers import JOURNEYS, activate, create, enrollments, form_filler, journey_tick, submit
from tests.oa_helpers import customer_says, run_worker
from tests.staff_helpers import auth, login, staff_headers
from tests.zns_helpers import put_template, run_zns, sent_by_zalo, sync_templates

REMINDER = {"name": "Nhắc khách sau đăng ký", "trigger": {"kind": "form_submitted", "form": "lien-he"},
            "steps": [{"type": "wait", "days": 3},
                      {"type": "condition", "check": "ordered_since_entry", "expect": False},
                      {"type": "send", "text": "Chào {ten_khach|bạn}, shop còn giữ ưu đãi cho bạn!",
                       "zns_template_id": "9001", "zns_params": {"ten": "customer.full_name"}}],
            "exit_on_reply": True}


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, "owner")


def _texts(zalo, user) -> list[str]:
    return [m["message"].get("text") for m in zalo.sent_messages if m["user_id"] == user.oa_user_id]


def _customer_id(app, ref: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Customer.id).where(Customer.ref == ref))


def test_a_form_with_no_order_after_three_days_gets_a_reminder_a_reply_or_an_order_exits(
        app, client, oa, owner, frozen_clock):
    put_template(oa, "9001", params=[{"name": "ten", "maxLength": 30}])
    sync_templates(client, owner)
    journey = create(client, owner, **REMINDER)
    activate(client, owner, journey)
    lan_user, _, lan = form_filler(app, client, oa, "Ngô Lan", "84901000001")
    binh_user, _, binh = form_filler(app, client, oa, "Vũ Bình", "84901000002")
    _, _, chi = form_filler(app, client, oa, "Hà Chi", "84901000003")
    assert journey_tick(app) == 3  # each waits three days from now
    assert {ref: states for ref, states in enrollments(app, journey).items()} == {
        lan: [("active", 1, None)], binh: [("active", 1, None)], chi: [("active", 1, None)]}

    frozen_clock.advance(days=1)
    customer_says(client, oa, binh_user, "text", text="Cho em hỏi giá váy")  # Bình writes back: out
    run_worker(app)
    submit(client, open_session(client, oa, lan_user), "Ngô Lan", "84901000001")  # again: not a second entry
    frozen_clock.advance(days=1)
    with app.app_context():
        add_order(chi, "SO-CHI-1", day=3)  # Chi orders
    frozen_clock.advance(days=1, minutes=1)
    assert journey_tick(app) == 2  # Lan's and Chi's waits are over (Bình left)
    run_zns(app)
    run_worker(app)

    found = enrollments(app, journey)
    assert found == {lan: [("completed", 3, None)], binh: [("exited", 1, "replied")],
                     chi: [("exited", 1, "condition_not_met")]}
    # three days on, Lan's free window (48 h) has closed: the reminder went as ZNS to her verified phone
    assert [(m["phone"], m["template_data"]) for m in sent_by_zalo(oa)] == [("84901000001", {"ten": "Ngô Lan"})]
    assert _texts(oa, lan_user) == [] and _texts(oa, binh_user) == []
    assert journey_tick(app) == 0  # nothing twice

    owner = auth(login(client, "owner@shop.vn"))  # a staff session lasts 12 hours
    status, detail = call(client, "GET", f"{JOURNEYS}/{journey}", owner)
    assert status == 200, detail
    assert (detail["entered"], detail["by_status"], detail["exits"]) == (
        3, {"completed": 1, "exited": 2}, {"condition_not_met": 1, "replied": 1})
    assert [(s["type"], s["waiting"], s["outcomes"]) for s in detail["per_step"]] == [
        ("wait", 0, {"waited": 3}), ("condition", 0, {"passed": 1, "not_met": 1}), ("send", 0, {"zns": 1})]
    status, timeline = call(client, "GET", f"/api/v1/admin/customers/{lan}/journeys", owner)
    assert status == 200, timeline
    assert [(r["kind"], r["outcome"]) for r in timeline[0]["runs"]] == [
        ("wait", "waited"), ("condition", "passed"), ("send", "zns")]
    assert timeline[0]["journey_name"] == "Nhắc khách sau đăng ký"


def test_an_open_window_gets_a_consultation_message_and_quiet_hours_hold_it(app, client, oa, owner, frozen_clock):
    app.config["CAMPAIGN_QUIET_HOURS"] = "21:00-08:00"
    journey = create(client, owner, name="Cảm ơn", trigger={"kind": "form_submitted"},
                     steps=[{"type": "wait", "until": "22:00"},
                            {"type": "send", "text": "Cảm ơn {ten_khach}!", "image_url": "https://shop.example.vn/a.png"}])
    activate(client, owner, journey)
    user, _, ref = form_filler(app, client, oa, "Đào Mai", "84901000011")
    journey_tick(app)
    frozen_clock.advance(hours=12, minutes=1)  # 22:01 in Vietnam: quiet hours hold the message until 08:00
    assert journey_tick(app) == 1
    run_worker(app)
    assert _texts(oa, user) == []
    assert enrollments(app, journey)[ref] == [("active", 1, None)]
    frozen_clock.advance(hours=10)  # 08:01
    journey_tick(app)
    run_worker(app)
    assert _texts(oa, user) == ["Cảm ơn Đào Mai!"]  # the image's caption
    [sent] = [m["message"] for m in oa.sent_messages if m["user_id"] == user.oa_user_id]
    assert sent["attachment"]["payload"]["elements"] == [{"media_type": "image", "url": "https://shop.example.vn/a.png"}]
    assert enrollments(app, journey)[ref] == [("completed", 2, None)]


def test_tag_stage_and_order_triggers_with_tag_stage_assign_and_notify_steps(app, client, oa, owner, frozen_clock):
    call(client, "POST", "/api/v1/admin/tags", owner, json={"name": "vip"})
    call(client, "POST", "/api/v1/admin/tags", owner, json={"name": "can-goi"})
    agent = staff_headers(app, client, "agent", available=True)
    by_tag = create(client, owner, name="Khách VIP", trigger={"kind": "tag_added", "tag": "vip"},
                    steps=[{"type": "stage", "to": "vip"}, {"type": "assign"},
                           {"type": "notify", "text": "Khách VIP {ten_khach} vừa được gắn nhãn, gọi lại nhé"}])
    by_stage = create(client, owner, name="Thành khách", trigger={"kind": "stage_changed", "to": "customer"},
                      steps=[{"type": "tag", "tag": "can-goi"}])
    by_order = create(client, owner, name="Đơn đã giao", trigger={"kind": "order_status_changed", "status": "delivered"},
                      steps=[{"type": "tag", "tag": "can-goi", "action": "remove"}], reentry=True)
    for journey in (by_tag, by_stage, by_order):
        activate(client, owner, journey)
    user, ref = shopper(app, client, oa, "Lý Vy", "84901000021")

    tag(client, owner, ref, "vip")
    journey_tick(app)
    status, conversations = call(client, "GET", "/api/v1/admin/conversations", owner)
    mine = [c for c in conversations["items"] if c["customer"]["ref"] == ref][0]
    assert mine["assignee"]["email"] == "agent@shop.vn"  # round-robin among agents: the only one
    status, thread = call(client, "GET", f"/api/v1/admin/conversations/{mine['id']}", agent)
    notes = [m for m in thread["messages"] if m["internal"]]
    assert [n["text"] for n in notes] == ["Khách VIP Lý Vy vừa được gắn nhãn, gọi lại nhé"]
    assert _texts(oa, user) == []  # a note is never sent
    status, pipeline = call(client, "GET", f"/api/v1/admin/customers/{ref}/pipeline", owner)
    assert pipeline["status"] == "vip"

    assert call(client, "POST", f"/api/v1/admin/customers/{ref}/pipeline", owner, json={"status": "customer"})[0] == 200
    journey_tick(app)
    assert "can-goi" in call(client, "GET", f"/api/v1/admin/customers/{ref}", owner)[1]["tags"]
    with app.app_context():
        for _ in range(5):  # the same order update five times enters once
            add_order(ref, "SO-VY-1", status="delivered", day=2)
    journey_tick(app)
    assert "can-goi" not in call(client, "GET", f"/api/v1/admin/customers/{ref}", owner)[1]["tags"]
    assert enrollments(app, by_order) == {ref: [("completed", 1, None)]}
    assert enrollments(app, by_tag) == {ref: [("completed", 3, None)]}


def test_silence_after_our_answer_and_a_date_on_the_profile_enter_customers(app, client, oa, owner, frozen_clock):
    call(client, "POST", "/api/v1/admin/tags", owner, json={"name": "sinh-nhat"})
    silent = create(client, owner, name="Hỏi thăm", trigger={"kind": "silent", "days": 2}, reentry=True,
                    steps=[{"type": "notify", "text": "Khách im lặng 2 ngày"}])
    birthday = create(client, owner, name="Sinh nhật", trigger={"kind": "date", "field": "attributes.sinh_nhat",
                                                                 "offset_days": -1, "yearly": True},
                      steps=[{"type": "tag", "tag": "sinh-nhat"}])
    activate(client, owner, silent)
    activate(client, owner, birthday)
    user, ref = shopper(app, client, oa, "Tô Hạnh", "84901000031")
    _, other = shopper(app, client, oa, "Mã Tùng", "84901000032")
    # the clock starts on 1 November: Hạnh's birthday is tomorrow (entered today, a day before), Tùng's is not
    call(client, "PATCH", f"/api/v1/admin/customers/{ref}", owner, json={"attributes": {"sinh_nhat": "02/11/1990"}})
    call(client, "PATCH", f"/api/v1/admin/customers/{other}", owner, json={"attributes": {"sinh_nhat": "1990-12-24"}})
    status, conversations = call(client, "GET", "/api/v1/admin/conversations", owner)
    conversation = [c for c in conversations["items"] if c["customer"]["ref"] == ref][0]["id"]
    call(client, "POST", f"/api/v1/admin/conversations/{conversation}/claim", owner)
    assert call(client, "POST", f"/api/v1/admin/conversations/{conversation}/reply", owner,
                json={"text": "Dạ shop đã báo giá ạ"})[0] in (200, 201, 202)
    run_worker(app)

    journey_tick(app)
    assert enrollments(app, birthday) == {ref: [("completed", 1, None)]}
    assert enrollments(app, silent) == {}  # Tùng still waits for us; Hạnh got our answer just now
    frozen_clock.advance(days=2, minutes=1)
    owner = auth(login(client, "owner@shop.vn"))
    journey_tick(app)
    journey_tick(app)
    assert enrollments(app, silent) == {ref: [("completed", 1, None)]}  # once per silence
    customer_says(client, oa, user, "text", text="Dạ em cảm ơn")  # she writes, we answer, she is silent again
    run_worker(app)
    call(client, "POST", f"/api/v1/admin/conversations/{conversation}/reply", owner, json={"text": "Dạ vâng"})
    frozen_clock.advance(days=2, minutes=1)
    journey_tick(app)
    assert enrollments(app, silent) == {ref: [("completed", 1, None), ("completed", 1, None)]}
    assert enrollments(app, birthday) == {ref: [("completed", 1, None)]}  # the date's scan runs once a day


def test_definitions_are_checked_and_edits_wait_until_nobody_is_inside(app, client, oa, owner, frozen_clock):
    status, body = call(client, "POST", JOURNEYS, owner, json={
        "name": "x", "trigger": {"kind": "tag_added", "tag": "khong-co"}, "steps": [{"type": "wait", "days": 1}]})
    assert status == 422 and "trigger.tag" in body["errors"], body
    status, body = call(client, "POST", JOURNEYS, owner, json={
        "name": "x", "trigger": {"kind": "silent"}, "steps": [{"type": "wait", "days": 1, "until": "09:00"}]})
    assert status == 422 and set(body["errors"]) == {"trigger", "steps"}, body
    status, body = call(client, "POST", JOURNEYS, owner, json={
        "name": "x", "trigger": {"kind": "form_submitted"}, "steps": [{"type": "send"}]})
    assert status == 422 and "text" in body["errors"]["steps"]["0"], body
    viewer = staff_headers(app, client, "viewer")
    assert call(client, "POST", JOURNEYS, viewer, json=REMINDER)[0] == 403

    journey = create(client, owner, name="Chờ", trigger={"kind": "form_submitted"},
                     steps=[{"type": "wait", "days": 5}, {"type": "send", "text": "Chào"}])
    activate(client, owner, journey)
    _, _, ref = form_filler(app, client, oa, "Kiều Nga", "84901000041")
    journey_tick(app)
    status, body = call(client, "PATCH", f"{JOURNEYS}/{journey}", owner, json={"steps": [{"type": "send", "text": "a"}]})
    assert status == 409 and body["code"] == "customers_inside", body
    assert call(client, "PATCH", f"{JOURNEYS}/{journey}", owner, json={"name": "Chờ 5 ngày"})[0] == 200
    status, body = call(client, "POST", f"{JOURNEYS}/{journey}/archive", owner)
    assert status == 200 and body["status"] == "archived"
    assert enrollments(app, journey) == {ref: [("exited", 1, "journey_archived")]}
    assert call(client, "POST", f"{JOURNEYS}/{journey}/activate", owner)[1]["code"] == "bad_state"
    status, audit = call(client, "GET", "/api/v1/admin/audit?action=journey.archive", owner)
    assert status == 200 and len(audit) == 1, audit


def test_paused_journeys_neither_enter_nor_move(app, client, oa, owner, frozen_clock):
    journey = create(client, owner, name="Tạm dừng", trigger={"kind": "form_submitted"},
                     steps=[{"type": "wait", "minutes": 5}, {"type": "send", "text": "Chào {ten_khach}"}])
    activate(client, owner, journey)
    user, _, ref = form_filler(app, client, oa, "Lưu Ly", "84901000051")
    journey_tick(app)
    assert call(client, "POST", f"{JOURNEYS}/{journey}/pause", owner)[0] == 200
    form_filler(app, client, oa, "Mạc Tâm", "84901000052")  # while paused: does not enter
    frozen_clock.advance(minutes=10)
    assert journey_tick(app) == 0
    activate(client, owner, journey)
    assert journey_tick(app) == 1
    run_worker(app)
    assert _texts(oa, user) == ["Chào Lưu Ly"]
    assert list(enrollments(app, journey)) == [ref]


def test_a_crash_inside_a_step_leaves_it_due_and_it_runs_once_later(app, client, oa, owner, frozen_clock,
                                                                     monkeypatch):
    journey = create(client, owner, name="Một lần", trigger={"kind": "form_submitted"},
                     steps=[{"type": "send", "text": "Chào {ten_khach}"}, {"type": "notify", "text": "Đã chào"}])
    activate(client, owner, journey)
    real = dispatch_module.queue_text_message

    def queue_then_die(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("worker killed")

    user, _, ref = form_filler(app, client, oa, "Lâm Khoa", "84901000061")
    monkeypatch.setattr(dispatch_module, "queue_text_message", queue_then_die)
    with pytest.raises(RuntimeError):
        journey_tick(app)
    monkeypatch.setattr(dispatch_module, "queue_text_message", real)
    assert enrollments(app, journey) == {ref: [("active", 0, None)]}
    assert journey_tick(app) == 1
    run_worker(app)
    assert _texts(oa, user) == ["Chào Lâm Khoa"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JourneyStepRun)) == 2


def test_two_workers_at_once_run_each_step_once(app, client, oa, owner, frozen_clock):
    journey = create(client, owner, name="Hai worker", trigger={"kind": "form_submitted"},
                     steps=[{"type": "wait", "minutes": 1}, {"type": "send", "text": "Chào {ten_khach}"}])
    activate(client, owner, journey)
    users = [form_filler(app, client, oa, f"Khách {n}", f"8490100007{n}")[0] for n in range(6)]
    journey_tick(app)
    frozen_clock.advance(minutes=2)
    moved, errors = [], []

    def worker():
        try:
            moved.append(journey_tick(app))
        except Exception as exc:  # a lost race must never surface as an error
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sum(moved) == 6
    run_worker(app)
    assert [_texts(oa, user) for user in users] == [[f"Chào Khách {n}"] for n in range(6)]


def test_consent_and_the_frequency_cap_apply_to_journeys_too(app, client, oa, owner, frozen_clock):
    app.config["CAMPAIGN_FREQUENCY_CAP"] = 1
    journey = create(client, owner, name="Hai tin", trigger={"kind": "form_submitted"},
                     steps=[{"type": "send", "text": "Tin 1"}, {"type": "send", "text": "Tin 2"}])
    activate(client, owner, journey)
    user, _, ref = form_filler(app, client, oa, "Quách An", "84901000081")
    journey_tick(app)
    run_worker(app)
    assert _texts(oa, user) == ["Tin 1"]
    with app.app_context():
        outcomes = db.session.execute(sa.select(JourneyStepRun.outcome, JourneyStepRun.detail)
                                      .order_by(JourneyStepRun.id)).all()
    assert [tuple(row) for row in outcomes] == [("cs", None), ("skipped", "frequency_cap")]


def test_merging_two_profiles_inside_one_journey_keeps_one_and_erasure_lets_them_out(app, client, oa, owner,
                                                                                      frozen_clock):
    journey = create(client, owner, name="Gộp", trigger={"kind": "form_submitted"},
                     steps=[{"type": "wait", "days": 1}, {"type": "send", "text": "Chào"}])
    activate(client, owner, journey)
    _, _, first = form_filler(app, client, oa, "Đinh Hoà", "84901000091")
    with app.app_context():  # a second profile of the same person (a CRM's, say) entered the journey too
        duplicate = Customer(ref="cus_duplicate", source="test", full_name="Đinh Hoà")
        db.session.add(duplicate)
        db.session.flush()
        triggers.enter(db.session, db.session.get(Journey, journey), duplicate.id, "", {"trigger": "form_submitted"})
        db.session.commit()
    second = "cus_duplicate"
    _, _, gone = form_filler(app, client, oa, "Từ Bỏ", "84901000093")
    journey_tick(app)
    status, body = call(client, "POST", f"/api/v1/admin/customers/{first}/merge", owner, json={"other_ref": second})
    assert status == 200, body
    status, body = call(client, "POST", f"/api/v1/admin/customers/{gone}/erase", owner)
    assert status == 200, body
    frozen_clock.advance(days=1, minutes=1)
    owner = auth(login(client, "owner@shop.vn"))
    journey_tick(app)
    found = enrollments(app, journey)
    assert found[first] == [("completed", 2, None)]
    assert found[second] == [("exited", 1, "merged")] and found[gone] == [("exited", 1, "erased")]
    with app.app_context():
        messages = db.session.scalar(sa.select(sa.func.count()).select_from(Message).where(Message.text == "Chào"))
        assert messages == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JourneyEnrollment)) == 3


def test_the_cli_creates_activates_shows_and_archives_a_journey(app, client, oa, tmp_path, frozen_clock):
    definition = tmp_path / "journey.json"
    definition.write_text(json.dumps({**REMINDER, "steps": REMINDER["steps"][:1]}), encoding="utf-8")
    runner = app.test_cli_runner()
    created = runner.invoke(args=["journeys", "create", str(definition)])
    assert created.exit_code == 0 and "journey 1 created" in created.output, created.output
    assert "journey 1: active" in runner.invoke(args=["journeys", "activate", "1"]).output
    form_filler(app, client, oa, "Giang Sơn", "84901000101")
    journey_tick(app)
    shown = runner.invoke(args=["journeys", "show", "1"]).output
    assert "entered 1, active 1" in shown and "step 1 wait: waiting 1; waited 1" in shown, shown
    assert "1\tactive\tform_submitted\tNhắc khách sau đăng ký" in runner.invoke(args=["journeys", "list"]).output
    assert "journey 1: archived" in runner.invoke(args=["journeys", "archive", "1"]).output
    refused = runner.invoke(args=["journeys", "pause", "1"])
    assert refused.exit_code != 0 and "archived journey cannot pause" in refused.output
    definition.write_text(json.dumps({"name": "x", "trigger": {"kind": "tag_added", "tag": "khong-co"},
                                      "steps": [{"type": "wait", "days": 1}]}), encoding="utf-8")
    bad = runner.invoke(args=["journeys", "create", str(definition)])
    assert bad.exit_code != 0 and "khong-co" in bad.output
