"""Races on the Mini App API: the same first session twice at once, the same Idempotency-Key twice at once."""
import threading

import sqlalchemy as sa

from miniapp_api.extensions import db
from miniapp_api.models import Customer, CustomerIdentity, FormSubmission
from tests.helpers import bearer, contact_values, open_session, zalo_user


def _race(app, n, request):
    """Run `request(client)` from n threads released together; returns the responses' (status, json)."""
    barrier, results = threading.Barrier(n), []

    def run():
        client = app.test_client()
        barrier.wait()
        response = request(client)
        results.append((response.status_code, response.get_json()))
        response.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_first_sessions_of_one_user_at_once_make_one_profile(app, zalo):
    user = zalo_user(zalo)
    tokens = [zalo.issue_access_token(user.app_user_id) for _ in range(4)]
    results = _race(app, 4, lambda client: client.post("/api/v1/miniapp/session",
                                                       json={"access_token": tokens.pop()}))
    assert [status for status, _ in results] == [200] * 4
    assert len({body["customer"]["ref"] for _, body in results}) == 1
    assert (_count(app, Customer), _count(app, CustomerIdentity)) == (1, 1)


def test_one_idempotency_key_sent_twice_at_once_makes_one_submission(app, client, zalo):
    headers = {**bearer(open_session(client, zalo, zalo_user(zalo))), "Idempotency-Key": "tap-tap"}
    results = _race(app, 4, lambda c: c.post("/api/v1/miniapp/forms/lien-he/submissions",
                                             json={"values": contact_values()}, headers=headers))
    assert sorted(status for status, _ in results) == [200, 200, 200, 201]
    assert len({body["submission"]["ref"] for _, body in results}) == 1
    assert _count(app, FormSubmission) == 1
