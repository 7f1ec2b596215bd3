"""Metric definitions (docs/metrics.md) on hand-made timelines, and the metrics endpoint's access and validation."""
import datetime as dt

import pytest

from miniapp_api import clock, create_app
from miniapp_api.config import ConfigError
from miniapp_api.extensions import db
from miniapp_api.models.conversation import ASSIGNED, CLOSED_EVENT, HANDED_OVER, REOPENED, UNASSIGNED
from miniapp_api.models.staff import ADMIN, AGENT, OWNER, VIEWER
from miniapp_api.services.business_hours import business_seconds
from tests.metrics_helpers import WEEK, Timeline, at, contact, customer, order, report, submission
from tests.staff_helpers import make_staff, staff_headers

HOURS = "mon-sat 08:00-21:00"


def row(result: dict, staff_id) -> dict:
    return next(r for r in result["agents"] if r["staff_id"] == staff_id)


def test_bot_replies_do_not_answer_the_customer(app):
    agent = make_staff(app, AGENT)
    with app.app_context():
        Timeline(at(2, 10)).customer(at(2, 10)).bot(at(2, 10)).bot(at(2, 10, 5)).reply(at(2, 10, 20), agent)
        db.session.commit()
        overall = report()["overall"]
    assert (overall["cycles"], overall["answered"], overall["response_rate"]) == (1, 1, 1.0)
    assert overall["first_response_seconds"]["median"] == 1200


def test_a_hand_over_after_an_answer_starts_a_new_cycle(app):
    agent = make_staff(app, AGENT)
    with app.app_context():
        (Timeline(at(2, 10)).customer(at(2, 10)).reply(at(2, 10, 5), agent)
         .customer(at(2, 11)).bot(at(2, 11))          # chatting on with the bot: no new wait
         .event(HANDED_OVER, at(2, 11, 30)).bot(at(2, 11, 30))
         .customer(at(2, 11, 31)).reply(at(2, 11, 40), agent)
         .customer(at(2, 12)))                        # after the answer, no hand-over: no new cycle
        db.session.commit()
        overall = report()["overall"]
    assert overall["cycles"] == 2
    assert overall["first_response_seconds"] == {"count": 2, "average": 450.0, "median": 450.0, "p90": 600.0}


def test_a_hand_over_without_a_customer_message_starts_the_wait(app):
    agent = make_staff(app, AGENT)
    with app.app_context():
        Timeline(at(2, 10)).event(HANDED_OVER, at(2, 10, 10)).reply(at(2, 10, 15), agent)
        db.session.commit()
        assert report()["overall"]["first_response_seconds"]["median"] == 300


def test_a_reopen_starts_a_new_cycle_and_resolution(app):
    agent = make_staff(app, AGENT)
    with app.app_context():
        (Timeline(at(2, 10)).customer(at(2, 10)).reply(at(2, 10, 10), agent).event(CLOSED_EVENT, at(2, 11))
         .event(REOPENED, at(3, 9)).customer(at(3, 9)).reply(at(3, 9, 30), agent).event(CLOSED_EVENT, at(3, 10)))
        db.session.commit()
        overall = report()["overall"]
    assert (overall["opened"], overall["reopened"], overall["closed"]) == (1, 1, 2)
    assert overall["cycles"] == 2 and overall["conversations"] == 1
    assert overall["first_response_seconds"]["average"] == 1200  # 10 and 30 minutes
    assert overall["resolution_seconds"] == {"count": 2, "average": 3600.0, "median": 3600.0, "p90": 3600.0}


def test_out_of_hours_waits_count_from_opening_time(app):
    agent = make_staff(app, AGENT)
    with app.app_context():
        Timeline(at(2, 22)).customer(at(2, 22)).reply(at(3, 8, 30), agent)  # Monday 22:00 → Tuesday 08:30
        db.session.commit()
        assert report(HOURS)["overall"]["first_response_seconds"]["median"] == 30 * 60
        assert report()["overall"]["first_response_seconds"]["median"] == 10.5 * 3600


def test_internal_notes_and_failed_replies_are_not_answers(app):
    agent = make_staff(app, AGENT)
    with app.app_context():
        (Timeline(at(2, 10)).customer(at(2, 10)).reply(at(2, 10, 1), agent, internal=True)
         .reply(at(2, 10, 2), agent, delivery_state="failed").reply(at(2, 10, 30), agent, delivery_state="sent"))
        db.session.commit()
        result = report()
    assert result["overall"]["first_response_seconds"]["median"] == 1800
    assert result["overall"]["replies"] == 1


def test_unanswered_cycles_count_for_the_last_assignee(app):
    agent = make_staff(app, AGENT)
    with app.app_context():
        (Timeline(at(2, 10)).customer(at(2, 10)).event(ASSIGNED, at(2, 10, 5), agent)
         .event(UNASSIGNED, at(2, 18), agent).event(CLOSED_EVENT, at(2, 18)))
        Timeline(at(4, 9)).customer(at(4, 9))  # still waiting, nobody assigned
        db.session.commit()
        result = report()
    assert result["overall"]["cycles"] == 2 and result["overall"]["answered"] == 0
    assert result["overall"]["response_rate"] == 0 and result["overall"]["waiting"] == 1
    assert row(result, agent)["cycles"] == 1 and row(result, agent)["resolved"] == 1
    assert row(result, None)["cycles"] == 1


def test_cycles_are_split_by_who_answered(app):
    first, second = make_staff(app, AGENT, "a@shop.vn"), make_staff(app, AGENT, "b@shop.vn")
    with app.app_context():
        # assigned to `first`, but `second` answers: the cycle is theirs
        Timeline(at(2, 10)).event(ASSIGNED, at(2, 10), first).customer(at(2, 10)).reply(at(2, 10, 2), second)
        Timeline(at(2, 11)).customer(at(2, 11)).reply(at(2, 11, 4), first).reply(at(2, 11, 5), first)
        Timeline(at(2, 12)).customer(at(2, 12)).reply(at(2, 12, 6), None, author="oa_console")
        db.session.commit()
        result = report()
    assert [r["staff_id"] for r in result["agents"]] == [first, second, None]
    assert row(result, first)["first_response_seconds"]["median"] == 240 and row(result, first)["replies"] == 2
    assert row(result, second)["first_response_seconds"]["median"] == 120 and row(result, second)["replies"] == 1
    assert row(result, None)["first_response_seconds"]["median"] == 360
    assert row(result, first)["email"] == "a@shop.vn"
    assert result["overall"]["conversations"] == 3 and result["overall"]["replies"] == 4


def test_cycles_belong_to_the_period_they_start_in(app):
    agent = make_staff(app, AGENT)
    with app.app_context():
        Timeline(at(1, 23, 30)).customer(at(1, 23, 30)).reply(at(2, 0, 10), agent)  # Sunday before the week
        Timeline(at(2, 0, 30)).customer(at(2, 0, 30)).reply(at(9, 1), agent)        # answered after the week
        db.session.commit()
        overall = report()["overall"]
    assert overall["cycles"] == 1 and overall["first_response_seconds"]["median"] == 7 * 86400 + 1800
    assert overall["replies"] == 1


def test_each_local_day_of_the_period_has_its_row(app):
    """Days are Vietnam's: a message at 23:30 belongs to that day even though it is 16:30 UTC; the reply the next
    morning counts on the next day; closing counts on the day it happens; every day is listed, quiet ones too."""
    agent = make_staff(app, AGENT)
    with app.app_context():
        (Timeline(at(3, 23, 30)).customer(at(3, 23, 30)).reply(at(4, 0, 10), agent)
         .event(CLOSED_EVENT, at(5, 9), agent))
        Timeline(at(3, 8)).customer(at(3, 8)).reply(at(3, 8, 5), agent)
        db.session.commit()
        days = {row["date"].isoformat(): row for row in report()["days"]}
    assert list(days) == [f"2026-11-0{n}" for n in range(2, 9)]
    assert days["2026-11-03"]["cycles"] == 2 and days["2026-11-03"]["first_response_seconds"]["median"] == (2400 + 300) / 2
    assert (days["2026-11-03"]["replies"], days["2026-11-04"]["replies"]) == (1, 1)
    assert days["2026-11-05"]["resolved"] == 1 and days["2026-11-04"]["cycles"] == 0
    assert days["2026-11-02"] == {**days["2026-11-02"], "cycles": 0, "replies": 0, "response_rate": None}


def test_conversations_older_than_the_event_timeline_count_from_their_opening(app):
    agent = make_staff(app, AGENT)
    with app.app_context():
        timeline = Timeline(at(2, 9), events=False).customer(at(2, 9)).reply(at(2, 9, 3), agent)
        timeline.conversation.assignee_id = agent
        Timeline(at(2, 10), events=False).customer(at(2, 10))
        timeline.conversation.assignee_id = agent
        db.session.commit()
        result = report()
    assert result["overall"]["cycles"] == 2 and row(result, agent)["first_response_seconds"]["median"] == 180


def test_forms_convert_when_an_order_follows_within_the_window(app):
    with app.app_context():
        buyer, browser, late, early = customer(), customer(), customer(), customer()
        submission(buyer, at(3, 10)), order(buyer, at(13, 10))
        submission(browser, at(3, 10)), order(customer(), at(4, 10))    # someone else's order
        submission(late, at(3, 10)), order(late, at(3, 10) + dt.timedelta(days=31))
        submission(early, at(4, 10)), order(early, at(4, 9))
        merged = customer(merged_into_id=buyer.id)
        submission(merged, at(5, 10))                                    # the survivor ordered on the 13th
        submission(buyer, at(9, 10))                                     # outside the week
        db.session.commit()
        assert report()["forms"] == {"submissions": 5, "converted": 2, "conversion_rate": 0.4, "window_days": 30}
        assert report(conversion_days=7)["forms"]["converted"] == 0


def test_follows_and_unfollows_in_the_period(app):
    with app.app_context():
        contact(followed_at=at(2, 8))
        contact(followed_at=at(3, 8), unfollowed_at=at(5, 8))
        contact(followed_at=at(1, 8), unfollowed_at=at(4, 8))
        contact(followed_at=at(9, 8))
        db.session.commit()
        assert report()["followers"] == {"follows": 2, "unfollows": 2, "net": 0}


def test_business_seconds_across_weekends_and_overnight_windows():
    start = at(7, 20)                                                     # Saturday 20:00
    assert business_seconds(HOURS, start, at(9, 8, 30)) == 5400           # Sat 20–21 + Mon 08:00–08:30
    assert business_seconds("20:00-02:00", at(2, 19), at(3, 3)) == 6 * 3600
    assert business_seconds("mon-fri 08:00-12:00, mon-fri 10:00-14:00", at(2, 7), at(2, 15)) == 6 * 3600
    assert business_seconds(HOURS, at(2, 11), at(2, 10)) == 0
    assert business_seconds("mon 00:00-24:00", at(2, 10), at(3, 10)) == 14 * 3600  # the rest of Monday
    assert business_seconds(None, at(2, 10), at(2, 11)) == 3600


def test_the_endpoint_reports_the_period_in_shop_time(app, client):
    headers = staff_headers(app, client, OWNER)
    with app.app_context():
        Timeline(at(2, 0, 30)).customer(at(2, 0, 30))
        db.session.commit()
    body = client.get(f"/api/v1/admin/metrics?from={WEEK[0]}&to={WEEK[1]}", headers=headers).get_json()
    assert body["period"] == {"from": WEEK[0], "to": WEEK[1], "timezone": "Asia/Ho_Chi_Minh", "business_hours": None}
    assert body["overall"]["cycles"] == 1 and body["agents"][0]["staff_id"] is None


def test_the_default_period_is_the_last_seven_days(app, client, frozen_clock):
    frozen_clock.advance(seconds=(at(8, 23, 59) - frozen_clock.now()).total_seconds())  # Sunday 23:59
    headers = staff_headers(app, client, ADMIN)
    body = client.get("/api/v1/admin/metrics", headers=headers).get_json()
    assert (body["period"]["from"], body["period"]["to"]) == WEEK


@pytest.mark.parametrize("query, field", [
    ("from=2026-11-09&to=2026-11-02", "from"),
    ("from=2024-01-01&to=2026-11-02", "from"),
    ("from=2026-13-01", "from"),
    ("to=1999-12-31", "to"),
])
def test_bad_periods_are_422(app, client, query, field):
    headers = staff_headers(app, client, OWNER)
    response = client.get(f"/api/v1/admin/metrics?{query}", headers=headers)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_agents_see_the_overall_figures_and_only_their_own_row(app, client):
    own = staff_headers(app, client, AGENT, "me@shop.vn")
    colleague = make_staff(app, AGENT, "other@shop.vn")
    me = client.get("/api/v1/admin/auth/me", headers=own).get_json()["id"]
    with app.app_context():
        Timeline(at(2, 10)).customer(at(2, 10)).reply(at(2, 10, 1), me)
        Timeline(at(2, 11)).customer(at(2, 11)).reply(at(2, 11, 1), colleague)
        db.session.commit()
    query = f"/api/v1/admin/metrics?from={WEEK[0]}&to={WEEK[1]}"
    mine = client.get(query, headers=own).get_json()
    assert mine["overall"]["cycles"] == 2 and [r["staff_id"] for r in mine["agents"]] == [me]
    viewer = staff_headers(app, client, VIEWER)
    assert len(client.get(query, headers=viewer).get_json()["agents"]) == 2
    assert app.test_client().get(query).status_code == 401


def test_malformed_business_hours_stop_the_app_at_start(app):
    with pytest.raises(ConfigError, match="BUSINESS_HOURS"):
        create_app({**{k: app.config[k] for k in ("TESTING", "DATABASE_URL", "SECRET_KEY")},
                    "BUSINESS_HOURS": "weekdays 8-21"})


def test_configured_business_hours_are_used_and_shown(app, client):
    app.config["BUSINESS_HOURS"] = HOURS
    headers = staff_headers(app, client, OWNER)
    agent = make_staff(app, AGENT)
    with app.app_context():
        Timeline(at(2, 22)).customer(at(2, 22)).reply(at(3, 8, 30), agent)
        db.session.commit()
    body = client.get(f"/api/v1/admin/metrics?from={WEEK[0]}&to={WEEK[1]}", headers=headers).get_json()
    assert body["period"]["business_hours"] == HOURS
    assert body["overall"]["first_response_seconds"]["median"] == 1800
    assert clock.LOCAL_TZ.key == body["period"]["timezone"]
