"""The worker's jobs run outside requests and are harmless when repeated."""
import sqlalchemy as sa

from miniapp_api.worker import JOBS, build_scheduler, purge_idempotency_keys
from miniapp_api.extensions import db
from miniapp_api.models import IdempotencyRecord
from tests.helpers import bearer, contact_values, open_session, zalo_user


def test_idempotency_keys_are_purged_after_their_ttl(app, client, zalo, frozen_clock):
    session = open_session(client, zalo, zalo_user(zalo))
    client.post("/api/v1/miniapp/forms/lien-he/submissions", json={"values": contact_values()},
                headers={**bearer(session), "Idempotency-Key": "k1"})
    count = sa.select(sa.func.count()).select_from(IdempotencyRecord)
    with app.app_context():
        purge_idempotency_keys(app)
        assert db.session.scalar(count) == 1
        frozen_clock.advance(hours=25)
        purge_idempotency_keys(app)
        purge_idempotency_keys(app)  # a repeated tick changes nothing more
        assert db.session.scalar(count) == 0


def test_scheduler_registers_every_job_once(app):
    scheduler = build_scheduler(app)
    ids = [job.id for job in scheduler.get_jobs()]
    assert {job_id for job_id, _, _ in JOBS} <= set(ids)
    assert len(ids) == len(set(ids))
    assert all(job.max_instances == 1 for job in scheduler.get_jobs())


def test_zns_template_refresh_with_zalo_unreachable_is_one_warning_line(app, oa, caplog):
    """Zalo not answering is a condition, not a bug: no stack trace in the worker's log, the next tick retries."""
    from miniapp_api.worker import sync_zns_templates

    app.extensions["zalo_zns"].http.base_url = "http://127.0.0.1:9"  # nothing listens there
    with app.app_context():
        sync_zns_templates(app)
    [record] = [r for r in caplog.records if "ZNS templates not refreshed" in r.getMessage()]
    assert record.levelname == "WARNING" and record.exc_info is None
