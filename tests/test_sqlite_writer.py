"""SQLite's single writer slot: threads of a process queue for it in order and always give it back."""
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from miniapp_api.extensions import db
from miniapp_api.models import Tag


@pytest.fixture
def engine(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    with app.app_context():
        yield db.engine


def test_a_second_writer_waits_for_the_first_to_commit(engine):
    order = []
    first = Session(engine)
    first.add(Tag(name="a"))
    first.flush()  # holds the writer slot
    order.append("first wrote")

    def second_writer():
        with Session(engine) as second:
            second.add(Tag(name="b"))
            second.commit()
            order.append("second committed")

    thread = threading.Thread(target=second_writer, daemon=True)
    thread.start()
    thread.join(timeout=0.3)
    assert thread.is_alive(), "the second writer must wait, not fail or barge in"
    first.commit()
    order.append("first committed")
    thread.join(timeout=10)
    first.close()
    assert order == ["first wrote", "first committed", "second committed"]


def test_the_slot_is_given_back_after_a_rollback_or_an_error(engine):
    with Session(engine) as session:
        session.add(Tag(name="x"))
        session.flush()
        session.rollback()
    with Session(engine) as session:
        session.add(Tag(name="dup"))
        session.add(Tag(name="dup"))
        with pytest.raises(sa.exc.IntegrityError):
            session.flush()
    done = threading.Event()

    def writer():
        with Session(engine) as session:
            session.add(Tag(name="after"))
            session.commit()
        done.set()

    threading.Thread(target=writer, daemon=True).start()
    assert done.wait(timeout=5), "a failed transaction left the writer slot taken"
