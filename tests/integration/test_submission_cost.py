"""What one form submission costs the database, and that it does not grow with the customer's history.

The figures are SQL statements and ORM flushes, counted with SQLAlchemy events: unlike milliseconds they do not
depend on the machine, so a change that loads the profile twice again, or relabels every earlier submission,
fails here (docs/performance.md).
"""
import contextlib

import sqlalchemy as sa
from sqlalchemy.orm import Session

from miniapp_api.extensions import db
from miniapp_api.models import Customer, FormSubmission
from tests.helpers import bearer, contact_values, open_session, zalo_user

SUBMIT = "/api/v1/miniapp/forms/lien-he/submissions"
# form, profile (locked) + its identities, the events' numbers (the version UPDATE), the consents in force, then
# one flush: the submissions' texts, customer UPDATE, submission INSERT, two outbox INSERTs (one on PostgreSQL,
# which batches them), consent INSERT; and the active journeys a `form_submitted` trigger could enter
# (docs/campaigns.md#journeys). The worker's wake-up is no statement of the transaction: it is sent after the
# commit (miniapp_api/queue/announcer.py).
STATEMENTS = {"sqlite": 12, "postgresql": 11}


@contextlib.contextmanager
def counted(app):
    """{"statements": n, "flushes": n} while the block runs."""
    counts = {"statements": 0, "flushes": 0}

    def statement(*_args):
        counts["statements"] += 1

    def flush(*_args):
        counts["flushes"] += 1

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", statement)
    sa.event.listen(Session, "after_flush", flush)
    try:
        yield counts
    finally:
        sa.event.remove(engine, "before_cursor_execute", statement)
        sa.event.remove(Session, "after_flush", flush)


def submit(client, session_body, n: int):
    values = contact_values(full_name=f"Nguyễn Văn An {n}", note=f"lần {n}")
    response = client.post(SUBMIT, json={"values": values}, headers=bearer(session_body))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_submission_costs_the_same_statements_whatever_came_before(app, client, zalo):
    session_body = open_session(client, zalo, zalo_user(zalo))
    submit(client, session_body, 0)
    costs = []
    for n in range(1, 16):
        with counted(app) as counts:
            submit(client, session_body, n)
        costs.append(counts)
    with app.app_context():
        dialect = db.engine.dialect.name
    assert costs[0] == costs[-1] == {"statements": STATEMENTS[dialect], "flushes": 1}, costs


def test_a_submission_stored_before_its_text_was_gets_it_at_the_next_refresh(app, client, zalo):
    """Migration 0019 adds `form_submission.search_text` without a backfill: null means "not computed yet"."""
    session_body = open_session(client, zalo, zalo_user(zalo))
    submit(client, session_body, 1)
    with app.app_context():
        db.session.execute(sa.update(FormSubmission).values(search_text=None))
        db.session.commit()
    submit(client, session_body, 2)
    with app.app_context():
        texts = db.session.scalars(sa.select(FormSubmission.search_text).order_by(FormSubmission.id)).all()
        customer = db.session.scalar(sa.select(Customer))
    assert "nguyen van an 1" in texts[0] and "nguyen van an 2" in texts[1]
    assert "lan 1" in customer.search_text and "lan 2" in customer.search_text
