"""Campaigns over HTTP against the strict Zalo emulator, on a frozen clock: the channel each recipient gets and
why others are skipped, the plan's figures, sends at the pace and outside quiet hours, pause/resume/cancel,
consent withdrawn mid-campaign (the opt-out keyword), the frequency cap across campaigns, tracked links, an
order attributed to the campaign, and every recipient exactly once however the work is interrupted."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import CampaignRecipient, Customer
from tests.campaign_helpers import CAMPAIGNS, act, create, send_tick, shopper, tag
from tests.customer_helpers import add_order
from tests.inbox_helpers import call
from tests.oa_helpers import customer_says, run_worker
from tests.staff_helpers import auth, login, staff_headers
from tests.zns_helpers import put_template, run_zns, sent_by_zalo, sync_templates

OFFER = "Chào {ten_khach|bạn}, shop giảm 20% cuối tuần này!"


@pytest.fixture
def owner(app, client):
    app.config["CAMPAIGN_QUIET_HOURS"] = ""  # the frozen clock starts at 10:00 in Vietnam; tests of hours set it
    return staff_headers(app, client, "owner")


def _texts(zalo, user) -> list[str]:
    return [m["message"].get("text") for m in zalo.sent_messages if m["user_id"] == user.oa_user_id]


def _recipients(app, campaign_id) -> dict[str, tuple]:
    with app.app_context():
        rows = db.session.execute(sa.select(Customer.ref, CampaignRecipient.channel, CampaignRecipient.status,
                                            CampaignRecipient.reason)
                                  .join(Customer, Customer.id == CampaignRecipient.customer_id)
                                  .where(CampaignRecipient.campaign_id == campaign_id)).all()
        return {ref: (channel, status, reason) for ref, channel, status, reason in rows}


def test_each_recipient_gets_the_channel_zalos_rules_allow_or_a_reason(app, client, oa, owner, frozen_clock):
    put_template(oa, "9001", params=[{"name": "ten", "maxLength": 30}])
    sync_templates(client, owner)
    old_user, old = shopper(app, client, oa, "Lê Cũ", "84901000001")              # wrote 8 days ago, phone verified
    typed_user, typed = shopper(app, client, oa, "Vũ Gõ", "84901000002", verified=False)  # 8 days, phone typed
    frozen_clock.advance(days=8)
    owner = auth(login(client, "owner@shop.vn"))  # a staff session lasts 12 hours
    fresh_user, fresh = shopper(app, client, oa, "Trần Mới", "84901000003")      # wrote just now
    _, refused = shopper(app, client, oa, "Đỗ Không", "84901000004", consent=False)
    gone_user, gone = shopper(app, client, oa, "Phan Đi", "84901000005")
    customer_says(client, oa, gone_user, "unfollow")
    run_worker(app)
    for ref in (old, typed, fresh, refused, gone):
        tag(client, owner, ref)

    campaign = create(client, owner, zns_template_id="9001", zns_params={"ten": "customer.full_name"},
                      rate_per_minute=600)
    status, plan = act(client, owner, campaign, "plan")
    assert status == 200, plan
    assert plan["recipients"] == 5 and plan["by_channel"] == {"cs": 1, "promotion": 0, "zns": 1}
    assert plan["skipped"] == {"no_consent": 1, "unfollowed": 1, "window_closed_no_phone": 1}
    assert (plan["zns_price_vnd"], plan["estimated_cost_vnd"]) == (200, 200)
    assert _recipients(app, campaign)[fresh] == ("cs", "pending", None)

    assert act(client, owner, campaign, "start")[0] == 200
    assert send_tick(app) == 1  # a start begins with one message, then the pace (10 a second here)
    frozen_clock.advance(seconds=1)
    assert send_tick(app) == 1
    run_worker(app)
    run_zns(app)
    assert _texts(oa, fresh_user) == ["Chào Trần Mới, shop giảm 20% cuối tuần này!"]
    assert [m["template_data"] for m in sent_by_zalo(oa)] == [{"ten": "Lê Cũ"}]
    assert _texts(oa, old_user) == [] and _texts(oa, typed_user) == []
    assert send_tick(app) == 0  # nothing twice
    status, found = call(client, "GET", f"{CAMPAIGNS}/{campaign}/results", owner)
    assert (found["targeted"], found["queued"], found["sent"], found["skipped"]) == (5, 2, 2, 3)
    assert call(client, "GET", f"{CAMPAIGNS}/{campaign}", owner)[1]["status"] == "finished"


def test_the_pace_quiet_hours_pause_resume_and_cancel(app, client, oa, owner, frozen_clock):
    users = [shopper(app, client, oa, f"Khách {n}", f"8490200000{n}") for n in range(6)]
    for _, ref in users:
        tag(client, owner, ref)
    campaign = create(client, owner, rate_per_minute=60)  # one a second
    act(client, owner, campaign, "plan")
    act(client, owner, campaign, "start")
    assert send_tick(app) == 1 and send_tick(app) == 0  # the same second: no second send
    frozen_clock.advance(seconds=1)
    assert send_tick(app) == 1
    frozen_clock.advance(seconds=30)  # the job was late: it never catches up with a burst
    assert send_tick(app) == 1

    assert act(client, owner, campaign, "pause")[0] == 200
    frozen_clock.advance(seconds=5)
    assert send_tick(app) == 0
    app.config["CAMPAIGN_QUIET_HOURS"] = "21:00-08:00"
    assert act(client, owner, campaign, "resume")[0] == 200
    frozen_clock.advance(hours=12)  # 22:00 in Vietnam: marketing waits
    assert send_tick(app) == 0
    frozen_clock.advance(hours=10)  # 08:00
    assert send_tick(app) == 1
    owner = auth(login(client, "owner@shop.vn"))  # a staff session lasts 12 hours
    status, cancelled = act(client, owner, campaign, "cancel")
    assert status == 200 and cancelled["status"] == "cancelled"
    frozen_clock.advance(seconds=5)
    assert send_tick(app) == 0
    states = sorted(state for _, state, _ in _recipients(app, campaign).values())
    assert states == ["cancelled"] * 2 + ["queued"] * 4
    assert act(client, owner, campaign, "resume")[0] == 409  # cancelled is final


def test_an_opt_out_keyword_withdraws_consent_mid_campaign_and_is_confirmed(app, client, oa, owner, frozen_clock):
    first_user, first = shopper(app, client, oa, "Khách Một", "84903000001")
    second_user, second = shopper(app, client, oa, "Khách Hai", "84903000002")
    for ref in (first, second):
        tag(client, owner, ref)
    campaign = create(client, owner, rate_per_minute=1)
    act(client, owner, campaign, "plan")
    act(client, owner, campaign, "start")
    assert send_tick(app) == 1  # the first of them
    run_worker(app)
    customer_says(client, oa, second_user, "text", text="Hủy!")
    run_worker(app)
    assert _texts(oa, second_user)[-1].startswith("Bạn đã hủy nhận tin khuyến mãi")
    frozen_clock.advance(minutes=1)
    assert send_tick(app) == 0
    assert _recipients(app, campaign)[second] == ("cs", "skipped", "no_consent")
    assert len([t for t in _texts(oa, second_user) if "giảm 20%" in t]) == 0
    customer_says(client, oa, first_user, "text", text="hủy đơn hàng giúp mình")  # a question, not the keyword
    run_worker(app)
    assert not any(t.startswith("Bạn đã hủy") for t in _texts(oa, first_user))


def test_the_frequency_cap_counts_across_campaigns(app, client, oa, owner):
    app.config["CAMPAIGN_FREQUENCY_CAP"] = 1
    user, ref = shopper(app, client, oa, "Khách Quen", "84904000001")
    tag(client, owner, ref)
    first = create(client, owner)
    act(client, owner, first, "plan")
    act(client, owner, first, "start")
    assert send_tick(app) == 1
    second = create(client, owner, name="Ưu đãi lần hai")
    assert act(client, owner, second, "plan")[1]["skipped"] == {"frequency_cap": 1}


def test_a_tracked_link_counts_one_click_and_an_order_is_attributed(app, client, oa, owner, frozen_clock):
    user, ref = shopper(app, client, oa, "Khách Mua", "84905000001")
    tag(client, owner, ref)
    campaign = create(client, owner, text="Xem ưu đãi: {link}", link_url="https://shop.example.vn/sale")
    act(client, owner, campaign, "plan")
    act(client, owner, campaign, "start")
    assert send_tick(app) == 1
    run_worker(app)
    [text] = _texts(oa, user)
    link = text.removeprefix("Xem ưu đãi: ")
    assert link.startswith("http://127.0.0.1:8000/r/") and ref not in link  # no personal data in the URL
    path = link.removeprefix("http://127.0.0.1:8000")
    for _ in range(3):
        with client.get(path) as response:
            assert response.status_code == 302 and response.headers["Location"] == "https://shop.example.vn/sale"
    with client.get(path[:-2] + "xx") as forged:
        assert forged.status_code == 404
    frozen_clock.advance(hours=6)
    with app.app_context():
        add_order(ref, "SO-CAMPAIGN")
    found = call(client, "GET", f"{CAMPAIGNS}/{campaign}/results", owner)[1]
    assert (found["clicked"], found["ordered"], found["revenue_vnd"]) == (1, 1, 350000)
    [line] = call(client, "GET", f"{CAMPAIGNS}/{campaign}/recipients", owner)[1]
    assert line["customer_ref"] == ref and line["ordered"] and line["clicked_at"]


def test_an_image_goes_as_zalos_media_template_with_the_text_as_its_caption(app, client, oa, owner):
    user, ref = shopper(app, client, oa, "Khách Ảnh", "84905000002")
    tag(client, owner, ref)
    status, problem = call(client, "POST", CAMPAIGNS, owner, json={
        "name": "x", "audience": {"tags": ["khach-quen"]}, "text": "a", "image_url": "http://shop.example.vn/a.jpg"})
    assert status == 422 and "image_url" in problem["errors"]  # Zalo fetches images over https only here
    campaign = create(client, owner, image_url="https://shop.example.vn/sale.jpg")
    act(client, owner, campaign, "plan")
    act(client, owner, campaign, "start")
    assert send_tick(app) == 1
    run_worker(app)
    [sent] = [m["message"] for m in oa.sent_messages if m["user_id"] == user.oa_user_id]
    assert sent == {"text": "Chào Khách Ảnh, shop giảm 20% cuối tuần này!", "attachment": {"type": "template",
                    "payload": {"template_type": "media",
                                "elements": [{"media_type": "image", "url": "https://shop.example.vn/sale.jpg"}]}}}
    found = call(client, "GET", f"{CAMPAIGNS}/{campaign}/results", owner)[1]
    assert (found["queued"], found["sent"]) == (1, 1)


def _promotions(zalo, user) -> list[dict]:
    return [m["message"]["attachment"]["payload"] for m in zalo.sent_messages
            if m["user_id"] == user.oa_user_id and m.get("kind") == "promotion"]


def test_followers_outside_the_window_get_one_promotion_a_day_and_only_from_6_to_22(app, client, oa, owner,
                                                                                     frozen_clock):
    users = {}
    for name, phone in (("Lão Theo", "84906000001"), ("Khách Lạ", "84906000002"), ("Hai Lần", "84906000003")):
        user, ref = shopper(app, client, oa, name, phone)
        if name != "Khách Lạ":
            customer_says(client, oa, user, "follow")
        users[name] = (user, ref)
    run_worker(app)
    frozen_clock.advance(days=3, hours=13)  # 23:00 in Vietnam, three days on: every window has closed
    owner = auth(login(client, "owner@shop.vn"))
    fresh_user, fresh = shopper(app, client, oa, "Mới Nhắn", "84906000004")  # writes now: a consultation message
    for _, ref in [*users.values(), (None, fresh)]:
        tag(client, owner, ref)
    first = create(client, owner, use_promotion=True, rate_per_minute=600, link_url="https://shop.example.vn/sale",
                   image_url="https://shop.example.vn/sale.jpg", text="Giảm 20% cho {ten_khach}: {link}")
    status, plan = act(client, owner, first, "plan")
    assert plan["by_channel"] == {"cs": 1, "promotion": 2, "zns": 0}, plan
    assert plan["skipped"] == {"window_closed_no_template": 1}  # not a follower, no ZNS template
    act(client, owner, first, "start")
    assert send_tick(app) == 0  # 23:00: Zalo takes promotions 06:00–21:59; the campaign waits, nobody is skipped
    frozen_clock.advance(hours=7, minutes=1)  # 06:01
    for _ in range(4):
        send_tick(app)
        frozen_clock.advance(seconds=1)
    run_worker(app)
    lao = _promotions(oa, users["Lão Theo"][0])
    assert len(lao) == 1 and lao[0]["elements"][0] == {"type": "banner", "image_url": "https://shop.example.vn/sale.jpg"}
    assert lao[0]["buttons"][0]["payload"]["url"].startswith("http://127.0.0.1:8000/r/")
    assert "Giảm 20% cho Lão Theo" in lao[0]["elements"][2]["content"]
    assert _texts(oa, fresh_user) and _promotions(oa, users["Khách Lạ"][0]) == []

    second = create(client, owner, name="Lần hai", use_promotion=True, rate_per_minute=600)
    app.config["CAMPAIGN_FREQUENCY_CAP"] = 5
    status, plan = act(client, owner, second, "plan")
    assert plan["by_channel"]["promotion"] == 0 and plan["skipped"]["promotion_daily_limit"] == 2, plan
    assert _recipients(app, first)[users["Hai Lần"][1]] == ("promotion", "queued", None)


def test_a_worker_killed_mid_campaign_resumes_and_two_workers_never_send_twice(app, client, oa, owner,
                                                                             frozen_clock, monkeypatch):
    from miniapp_api.services.campaigns import sending

    users = [shopper(app, client, oa, f"Khách {n}", f"8490600000{n}") for n in range(5)]
    for _, ref in users:
        tag(client, owner, ref)
    campaign = create(client, owner, rate_per_minute=600)
    act(client, owner, campaign, "plan")
    act(client, owner, campaign, "start")
    real, calls = sending.deliver, []

    def dies_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise SystemExit("killed")  # the process dies inside the third recipient's transaction
        return real(*args, **kwargs)

    monkeypatch.setattr(sending, "deliver", dies_on_the_third)
    assert send_tick(app) == 1  # the start: one message
    frozen_clock.advance(seconds=1)
    with pytest.raises(SystemExit):
        send_tick(app)
    monkeypatch.setattr(sending, "deliver", real)
    assert sorted(s for _, s, _ in _recipients(app, campaign).values()) == ["pending"] * 3 + ["queued"] * 2
    frozen_clock.advance(seconds=1)
    assert send_tick(app) + send_tick(app) == 3  # a second worker's tick finds nothing left to take twice
    run_worker(app)
    for user, _ in users:
        assert len([t for t in _texts(oa, user) if "giảm 20%" in t]) == 1


def test_bad_input_is_a_422_naming_the_field_and_states_refuse_with_409(app, client, oa, owner):
    status, problem = call(client, "POST", CAMPAIGNS, owner, json={
        "name": "x", "audience": {"tags": ["a"], "segment_id": 1}, "text": "{link}"})
    assert status == 422 and {"audience", "link_url"} & set(problem["errors"])
    campaign = create(client, owner)
    status, refused = act(client, owner, campaign, "start")
    assert status == 409 and refused["code"] == "bad_state"
    viewer = staff_headers(app, client, "viewer", "xem@shop.vn")
    assert call(client, "GET", f"{CAMPAIGNS}/{campaign}", viewer)[0] == 200
    assert act(client, viewer, campaign, "plan")[0] == 403


def test_the_cli_plans_starts_and_reports_like_the_api(app, client, oa, owner, runner):
    user, ref = shopper(app, client, oa, "Khách CLI", "84907000001")
    tag(client, owner, ref)
    campaign = create(client, owner)
    planned = runner.invoke(args=["campaigns", "plan", str(campaign)])
    assert planned.exit_code == 0 and "recipients 1: cs 1, promotion 0, zns 0" in planned.output
    assert "campaign" in runner.invoke(args=["campaigns", "start", str(campaign)]).output
    assert send_tick(app) == 1
    run_worker(app)
    report = runner.invoke(args=["campaigns", "results", str(campaign)]).output
    assert "queued\t1" in report and "sent\t1" in report
    refused = runner.invoke(args=["campaigns", "resume", str(campaign)])
    assert refused.exit_code != 0 and "cannot resume" in refused.output
    assert runner.invoke(args=["campaigns", "plan", "999"]).exit_code != 0


def test_preview_trial_send_edit_and_schedule(app, client, oa, owner, frozen_clock):
    import datetime as dt

    user, ref = shopper(app, client, oa, "Hà Xem Thử", "84909000001")
    _, declined = shopper(app, client, oa, "Không Đồng Ý", "84909000002", consent=False)
    tag(client, owner, ref)
    campaign = create(client, owner)
    status, preview = act(client, owner, campaign, "preview", customer_ref=ref)
    assert status == 200 and preview["text"] == "Chào Hà Xem Thử, shop giảm 20% cuối tuần này!"
    status, trial = act(client, owner, campaign, "test-send", customer_ref=ref)
    assert status == 200 and trial["text"] == preview["text"]
    run_worker(app)
    assert _texts(oa, user) == [preview["text"]]  # sent now, and not counted as a recipient
    status, refused = act(client, owner, campaign, "test-send", customer_ref=declined)
    assert status == 409 and refused["code"] == "no_marketing_consent"

    assert act(client, owner, campaign, "plan")[1]["recipients"] == 1
    status, edited = call(client, "PATCH", f"{CAMPAIGNS}/{campaign}", owner, json={"text": "Ưu đãi mới cho {ten_khach}"})
    assert status == 200 and edited["status"] == "draft"  # edited after planning: plan it again
    status, problem = call(client, "PATCH", f"{CAMPAIGNS}/{campaign}", owner, json={"text": "Xem {link}"})
    assert status == 422 and "link_url" in problem["errors"]
    act(client, owner, campaign, "plan")
    at = (frozen_clock.now() + dt.timedelta(hours=1)).isoformat()
    assert act(client, owner, campaign, "schedule", at=at)[1]["status"] == "scheduled"
    assert send_tick(app) == 0  # not yet
    frozen_clock.advance(hours=1)
    assert send_tick(app) == 1
    assert call(client, "GET", f"{CAMPAIGNS}/{campaign}", owner)[1]["status"] in ("running", "finished")
    assert _recipients(app, campaign)[ref] == ("cs", "queued", None)


def test_a_customer_erased_after_the_plan_is_not_sent_to(app, client, oa, owner):
    user, ref = shopper(app, client, oa, "Khách Xóa", "84909100001")
    tag(client, owner, ref)
    campaign = create(client, owner)
    act(client, owner, campaign, "plan")
    act(client, owner, campaign, "start")
    assert call(client, "POST", f"/api/v1/admin/customers/{ref}/erase", owner)[0] == 200
    assert send_tick(app) == 0
    run_worker(app)
    assert _recipients(app, campaign)[ref] == ("cs", "skipped", "erased") and _texts(oa, user) == []


@pytest.fixture
def second_worker(database_url, zalo, app):
    """Another worker process on the same database (its own app, engine and connections)."""
    from tests.conftest import _base_config, _seeded_app

    yield from _seeded_app({**_base_config(database_url, zalo.url), "CAMPAIGN_QUIET_HOURS": ""})


def test_two_workers_at_once_send_each_recipient_once(app, second_worker, client, oa, owner, frozen_clock):
    import threading

    users = [shopper(app, client, oa, f"Khách {n}", f"8490800000{n}") for n in range(8)]
    for _, ref in users:
        tag(client, owner, ref)
    campaign = create(client, owner, rate_per_minute=600)
    act(client, owner, campaign, "plan")
    act(client, owner, campaign, "start")
    counts = []
    for _ in range(4):
        frozen_clock.advance(seconds=1)
        barrier = threading.Barrier(2)

        def tick(worker):
            barrier.wait()
            counts.append(send_tick(worker))

        threads = [threading.Thread(target=tick, args=(worker,)) for worker in (app, second_worker)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    run_worker(app)
    assert sum(counts) == 8
    for user, _ in users:
        assert len([t for t in _texts(oa, user) if "giảm 20%" in t]) == 1


def test_a_recipient_merged_since_the_plan_into_another_recipient_gets_one_message(app, client, oa, owner,
                                                                                  frozen_clock):
    user, ref = shopper(app, client, oa, "Khách Gộp", "84909200001")
    tag(client, owner, ref)
    campaign = create(client, owner, rate_per_minute=600)
    act(client, owner, campaign, "plan")
    with app.app_context():  # a duplicate profile was also a recipient, and is merged into the first since
        survivor = db.session.scalar(sa.select(Customer).where(Customer.ref == ref))
        duplicate = Customer(ref="cus_duplicate", source="test", merged_into_id=survivor.id)
        db.session.add(duplicate)
        db.session.flush()
        db.session.add(CampaignRecipient(campaign_id=campaign, customer_id=duplicate.id, channel="cs",
                                         status="pending"))
        db.session.commit()
    act(client, owner, campaign, "start")
    send_tick(app)
    frozen_clock.advance(seconds=1)
    send_tick(app)
    run_worker(app)
    found = _recipients(app, campaign)
    assert found["cus_duplicate"] == ("cs", "skipped", "merged") and found[ref] == ("cs", "queued", None)
    assert len(_texts(oa, user)) == 1
