"""The ZNS emulator refuses what Zalo refuses, with Zalo's codes (docs/oa.md "ZNS"), over HTTP."""
import pytest
import requests

from tests.zns_helpers import put_template, set_quota

GOOD = {"customer_name": "An", "order_code": "SO-1", "status": "Đang giao", "total": "250000"}


@pytest.fixture
def zns(zalo):
    """The emulator with one enabled template, one under review, a user holding 84912345678, and an OA token."""
    put_template(zalo, "2001")
    put_template(zalo, "2002", params=[{"name": "otp", "maxLength": 6}], status="PENDING_REVIEW")
    zalo.create_user("An", phone="84912345678")
    zalo.token = zalo.issue_oa_tokens()[0]
    return zalo


def _send(zns, body, token=None):
    return requests.post(f"{zns.url}/message/template", json=body, timeout=5,
                         headers={"access_token": token or zns.token}).json()


def _body(**overrides):
    return {"phone": "84912345678", "template_id": "2001", "template_data": dict(GOOD), "tracking_id": "t-1",
            **overrides}


@pytest.mark.parametrize("overrides, code", [
    ({"phone": "912345678"}, -108),
    ({"phone": "+84 912 345 678"}, -108),
    ({"template_id": "9999"}, -109),
    ({"template_id": "2002", "template_data": {"otp": "123456"}}, -131),
    ({"template_data": {}}, -111),
    ({"template_data": {k: v for k, v in GOOD.items() if k != "order_code"}}, -112),
    ({"template_data": {**GOOD, "total": "nhiều"}}, -112),
    ({"template_data": {**GOOD, "order_code": "X" * 13}}, -1121),
    ({"tracking_id": None}, -112),
    ({"tracking_id": "x" * 49}, -112),
    ({"tracking_id": "có dấu"}, -112),
    ({"mode": "production"}, -112),
    ({"phone": "84987654321"}, -118),  # nobody on Zalo holds it
])
def test_a_send_zalo_would_refuse_is_refused_with_its_code(zns, overrides, code):
    assert _send(zns, _body(**overrides))["error"] == code
    assert zns.zns.sent == []


def test_a_send_without_a_valid_token_is_refused_with_124(zns):
    assert _send(zns, _body(), token="nope")["error"] == -124


def test_a_good_send_spends_the_daily_quota_until_it_is_gone(zns):
    set_quota(zns, daily=5, remaining=2)
    first = _send(zns, _body(phone="0912345678"))  # the national form is accepted too
    assert first["error"] == 0 and first["data"]["quota"] == {"dailyQuota": "5", "remainingQuota": "1"}
    assert zns.zns.sent[0]["phone"] == "84912345678"
    assert _send(zns, _body(tracking_id="t-2"))["error"] == 0
    assert _send(zns, _body(tracking_id="t-3"))["error"] == -144
    quota = requests.get(f"{zns.url}/message/quota", headers={"access_token": zns.token}, timeout=5).json()
    assert quota["data"] == {"dailyQuota": "5", "remainingQuota": "0"}


def test_templates_are_listed_by_page_and_described_with_their_parameters(zns):
    def listing(**params):
        return requests.get(f"{zns.url}/template/all", params=params, headers={"access_token": zns.token},
                            timeout=5).json()

    assert listing(limit=10)["error"] == -112  # offset is required
    assert listing(offset=0, limit=101)["error"] == -112
    page = listing(offset=0, limit=1, status=1)
    assert page["metadata"] == {"total": 1} and page["data"][0]["templateId"] == "2001"
    assert set(page["data"][0]) == {"templateId", "templateName", "createdTime", "status", "templateQuality"}
    info = requests.get(f"{zns.url}/template/info/v2", params={"template_id": "2001"},
                        headers={"access_token": zns.token}, timeout=5).json()["data"]
    assert info["listParams"][0] == {"name": "customer_name", "require": True, "type": "STRING", "maxLength": 30,
                                     "minLength": 0, "acceptNull": False}
    assert requests.get(f"{zns.url}/template/info/v2", params={"template_id": "1"},
                        headers={"access_token": zns.token}, timeout=5).json()["error"] == -109
