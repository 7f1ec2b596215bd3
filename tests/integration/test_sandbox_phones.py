"""The emulator's random test phones are ones the backend accepts, so no test can fail by drawing a bad one."""
import requests

from miniapp_api.services.customers.phones import normalize_phone
from sandbox.zalo.state import random_mobile_phone


def test_sandbox_users_get_random_phones_the_backend_always_accepts(zalo):
    """The emulator's random test phones come only from assigned mobile prefixes (a `0992…` one made the
    browser test flake about 1 % of the time)."""
    created = requests.post(f"{zalo.url}/_sandbox/users", json={"name": "Khách"}, timeout=5).json()
    phones = [created["phone"]] + [random_mobile_phone() for _ in range(5000)]
    for phone in phones:
        assert phone.startswith("84")
        assert normalize_phone(phone) == "+" + phone
    no_phone = requests.post(f"{zalo.url}/_sandbox/users", json={"name": "Khách", "phone": None}, timeout=5).json()
    assert no_phone["phone"] is None
