"""Pure pieces of the sync engine: Standard Webhooks signatures, credential encryption, the rate limiter."""
import datetime as dt

import pytest

from crm_sync import standard_webhooks
from crm_sync.credentials import CredentialsUnreadable, decrypt_credentials, encrypt_credentials
from crm_sync.ratelimit import TokenBucket

# The published test vector of the Standard Webhooks specification.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signature_matches_the_spec_test_vector():
    assert standard_webhooks.sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_verify_accepts_the_spec_vector_among_several_signatures():
    headers = {"webhook-id": SPEC_ID, "webhook-timestamp": str(SPEC_TIMESTAMP),
               "webhook-signature": "v1,bm9wZQ== " + SPEC_SIGNATURE}
    assert standard_webhooks.verify(SPEC_SECRET, headers, SPEC_BODY, now=SPEC_TIMESTAMP + 10) == SPEC_ID


@pytest.mark.parametrize("change", ["body", "id", "timestamp", "old"])
def test_verify_refuses_anything_changed_or_too_old(change):
    headers = {"webhook-id": SPEC_ID, "webhook-timestamp": str(SPEC_TIMESTAMP), "webhook-signature": SPEC_SIGNATURE}
    body, now = SPEC_BODY, SPEC_TIMESTAMP
    if change == "body":
        body = b'{"test": 2432232315}'
    elif change == "id":
        headers["webhook-id"] = "msg_other"
    elif change == "timestamp":
        headers["webhook-timestamp"] = str(SPEC_TIMESTAMP + 1)
    else:
        now = SPEC_TIMESTAMP + 301
    with pytest.raises(standard_webhooks.InvalidSignature):
        standard_webhooks.verify(SPEC_SECRET, headers, body, now=now)


def test_credentials_round_trip_and_need_the_same_secret_key():
    token = encrypt_credentials("key-one", {"api_key": "s3cret-value"})
    assert "s3cret-value" not in token
    assert decrypt_credentials("key-one", token) == {"api_key": "s3cret-value"}
    with pytest.raises(CredentialsUnreadable):
        decrypt_credentials("key-two", token)


def test_token_bucket_spends_its_burst_then_asks_to_wait(frozen_clock):
    bucket = TokenBucket(rate=2)
    assert [bucket.reserve(), bucket.reserve()] == [0.0, 0.0]
    assert bucket.reserve() == pytest.approx(0.5)
    frozen_clock.advance(seconds=10)
    assert bucket.reserve() == 0.0


def test_token_bucket_obeys_retry_after_and_exhausted_quota(frozen_clock):
    bucket = TokenBucket(rate=0)
    bucket.observe(429, {"Retry-After": "30"})
    assert bucket.reserve() == pytest.approx(30)
    frozen_clock.advance(seconds=31)
    assert bucket.reserve() == 0.0
    reset_at = frozen_clock.now() + dt.timedelta(seconds=20)
    bucket.observe(200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(reset_at.timestamp()))})
    assert bucket.reserve() == pytest.approx(20, abs=1)
