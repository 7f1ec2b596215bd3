"""Automatic replies: matching without diacritics, priority, business hours, cooldown, loop guard, CLI."""
import datetime as dt
import json

import pytest

from miniapp_api.models import Conversation
from miniapp_api.models.auto_reply import AutoReplyRule
from miniapp_api.services.oa.auto_reply import RuleInvalid, in_business_hours, matches, validate_rule
from tests.oa_helpers import customer_says, one, post_event, run_worker


def _rule(**fields) -> AutoReplyRule:
    return AutoReplyRule(**{"name": "r", "match_type": "contains", "priority": 100, **fields})


@pytest.mark.parametrize("match_type,pattern,text,expected", [
    ("contains", "gia", "Giá bao nhiêu vậy shop?", True),
    ("contains", "giá", "gia bao nhieu", True),
    ("contains", "gia", "Giao hàng mất mấy ngày?", False),   # whole words only
    ("contains", "đặt hàng", "cho mình DAT HANG nhé", True),
    ("exact", "xin chào", "Xin chào!", True),
    ("exact", "xin chào", "Xin chào shop", False),
    ("regex", r"\b(ship|giao)\b", "Shop có GIAO tận nơi không", True),
    ("regex", r"\d{2,}k", "cái này 50K hả", True),
])
def test_matching_ignores_case_and_diacritics(match_type, pattern, text, expected):
    assert matches(_rule(match_type=match_type, pattern=pattern), text) is expected


def test_business_hours_in_ho_chi_minh_time():
    spec = "mon-fri 08:00-17:30, sat 08:00-12:00"
    utc = dt.timezone.utc
    assert in_business_hours(spec, dt.datetime(2026, 11, 2, 1, 0, tzinfo=utc))       # Mon 08:00 ICT
    assert not in_business_hours(spec, dt.datetime(2026, 11, 2, 0, 59, tzinfo=utc))  # Mon 07:59 ICT
    assert not in_business_hours(spec, dt.datetime(2026, 11, 7, 5, 0, tzinfo=utc))  # Sat 12:00 ICT
    assert not in_business_hours(spec, dt.datetime(2026, 11, 8, 3, 0, tzinfo=utc))  # Sunday
    assert in_business_hours("20:00-02:00", dt.datetime(2026, 11, 2, 18, 30, tzinfo=utc))  # 01:30 ICT overnight
    # a window ending where it starts is the whole day: "00:00-24:00" is open around the clock, not never
    assert in_business_hours("sat 00:00-24:00", dt.datetime(2026, 11, 7, 16, 59, tzinfo=utc))  # Sat 23:59 ICT
    assert in_business_hours("sat 00:00-24:00", dt.datetime(2026, 11, 6, 17, 0, tzinfo=utc))  # Sat 00:00 ICT
    assert not in_business_hours("sat 00:00-24:00", dt.datetime(2026, 11, 7, 17, 0, tzinfo=utc))  # Sun 00:00


def test_invalid_rules_are_refused():
    with pytest.raises(RuleInvalid):
        validate_rule({"name": "x", "pattern": "(", "match_type": "regex", "reply_text": "a"})
    with pytest.raises(RuleInvalid):
        validate_rule({"name": "x", "pattern": "a", "business_hours": "mon-fri 8h-17h", "reply_text": "a"})
    with pytest.raises(RuleInvalid):
        validate_rule({"name": "x", "pattern": "a"})  # does nothing


def _add(runner, *args):
    result = runner.invoke(args=["rules", "add", *args])
    assert result.exit_code == 0, result.output


def _bot_texts(oa):
    return [m["message"].get("text") for m in oa.sent_messages]


@pytest.fixture
def shop(runner, oa):
    _add(runner, "--name", "price", "--pattern", "giá", "--priority", "10", "--reply", "Giá từ 100.000đ ạ.",
         "--form-link")
    _add(runner, "--name", "human", "--match", "regex", "--pattern", r"nhan vien|tu van vien", "--priority", "5",
         "--handover", "--reply", "Nhân viên sẽ trả lời bạn ngay.")
    _add(runner, "--name", "any-price", "--pattern", "gia", "--priority", "50", "--reply", "never (lower priority)")
    return oa


def test_rule_replies_with_text_and_the_form_link(client, app, shop, frozen_clock):
    user = shop.create_user("Khách")
    customer_says(client, shop, user, "text", text="GIA bao nhieu the?")
    run_worker(app)
    assert _bot_texts(shop) == [
        "Giá từ 100.000đ ạ.\nhttp://127.0.0.1:8000/miniapp/?form=lien-he&utm_source=oa_auto_reply"]


def test_handover_marks_the_conversation_and_the_bot_stays_quiet(client, app, shop, frozen_clock):
    user = shop.create_user("Khách")
    customer_says(client, shop, user, "text", text="Cho mình gặp nhân viên")
    run_worker(app)
    assert one(app, Conversation).waiting_for_human is True
    frozen_clock.advance(hours=1)
    customer_says(client, shop, user, "text", text="giá?")
    run_worker(app)
    assert _bot_texts(shop) == ["Nhân viên sẽ trả lời bạn ngay."]


def test_cooldown_per_conversation(client, app, shop, frozen_clock):
    user, other = shop.create_user("A"), shop.create_user("B")
    customer_says(client, shop, user, "text", text="giá?")
    run_worker(app)
    frozen_clock.advance(minutes=5)
    customer_says(client, shop, user, "text", text="giá sao?")
    customer_says(client, shop, other, "text", text="giá?")  # another conversation is not cooled down
    run_worker(app)
    assert len(_bot_texts(shop)) == 2
    frozen_clock.advance(minutes=6)
    customer_says(client, shop, user, "text", text="giá nữa?")
    run_worker(app)
    assert len(_bot_texts(shop)) == 3


def test_business_hours_and_out_of_hours_reply(client, app, runner, oa, frozen_clock):
    _add(runner, "--name", "ship", "--pattern", "ship", "--reply", "Shop giao trong 2h.",
         "--hours", "mon-sat 08:00-21:00", "--out-of-hours", "Shop đã nghỉ, sáng mai trả lời bạn nhé.")
    user = oa.create_user("Khách")
    frozen_clock._now = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.timezone.utc)  # Monday 22:00 ICT
    oa.last_interaction.clear()
    customer_says(client, oa, user, "text", text="ship không?")
    run_worker(app)
    frozen_clock.advance(hours=11)  # Tuesday 09:00 ICT
    customer_says(client, oa, user, "text", text="ship không?")
    run_worker(app)
    assert _bot_texts(oa) == ["Shop đã nghỉ, sáng mai trả lời bạn nhé.", "Shop giao trong 2h."]


def test_loop_guard_never_answers_echoes_or_our_own_messages(client, app, shop):
    user = shop.create_user("Khách")
    customer_says(client, shop, user, "text", text="alo")  # opens the window, matches nothing
    echo = {"app_id": shop.app_id, "sender": {"id": shop.oa_id}, "recipient": {"id": user.oa_user_id},
            "event_name": "oa_send_text", "message": {"msg_id": "staff01", "text": "Giá 100k nhé"},
            "timestamp": str(int(shop.clock() * 1000))}
    post_event(client, shop, echo)
    forged = {"app_id": shop.app_id, "sender": {"id": shop.oa_id}, "recipient": {"id": user.oa_user_id},
              "event_name": "user_send_text", "message": {"msg_id": "self01", "text": "giá"},
              "timestamp": str(int(shop.clock() * 1000))}
    post_event(client, shop, forged)
    run_worker(app)
    assert _bot_texts(shop) == []


def test_rules_cli_list_export_import(runner, app, shop):
    listing = runner.invoke(args=["rules", "list"]).output.splitlines()
    assert [line.split("\t")[1] for line in listing] == ["human", "price", "any-price"]
    exported = json.loads(runner.invoke(args=["rules", "export"]).output)
    exported[0]["reply_text"] = "Đã sửa"
    exported.append({"name": "hello", "match_type": "exact", "pattern": "xin chao", "reply_text": "Chào bạn!"})
    result = runner.invoke(args=["rules", "import", "-"], input=json.dumps(exported))
    assert result.exit_code == 0 and "imported 4 rules (1 new)" in result.output
    bad = runner.invoke(args=["rules", "import", "-"], input='[{"name": "x", "pattern": "(", "match_type": "regex"}]')
    assert bad.exit_code != 0
    assert len(runner.invoke(args=["rules", "list"]).output.splitlines()) == 4
