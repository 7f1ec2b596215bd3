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
    """Proof by what the second writer sees, not by timing: once it holds the slot, the first's row is there."""
    order = []
    first = Session(engine)
    first.add(Tag(name="a"))
    first.flush()  # holds the writer slot
    order.append("first wrote")
    seen_by_second = []

    def second_writer():
        with Session(engine) as second:
            second.add(Tag(name="b"))
            second.flush()  # waits here for the slot
            seen_by_second.extend(second.scalars(sa.select(Tag.name).order_by(Tag.name)))
            second.commit()
            order.append("second committed")

    thread = threading.Thread(target=second_writer, daemon=True)
    thread.start()
    thread.join(timeout=0.3)
    assert thread.is_alive(), "the second writer must wait, not fail or barge in"
    order.append("first commits")  # before releasing the slot: the second cannot append before this
    first.commit()
    thread.join(timeout=30)
    first.close()
    assert not thread.is_alive(), "the second writer never got the slot"
    assert order == ["first wrote", "first commits", "second committed"]
    assert "a" in seen_by_second, "the second writer ran before the first committed"


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
