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


def test_a_writer_waits_for_another_process_then_takes_the_lock(engine, database_url):
    """Another process's write lock (a connection outside this process's slots) is waited for, not an error."""
    import sqlite3

    other_process = sqlite3.connect(sa.engine.make_url(database_url).database, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")
    done = threading.Event()

    def writer():
        with Session(engine) as session:
            session.add(Tag(name="after the other process"))
            session.commit()
        done.set()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    assert not done.wait(timeout=0.3), "the writer must wait for the other process's lock"
    other_process.execute("COMMIT")
    other_process.close()
    assert done.wait(timeout=10)
    with Session(engine) as session:
        assert session.scalar(sa.select(Tag.name)) == "after the other process"


def test_each_database_file_has_its_own_slot(engine, tmp_path):
    """A thread writing one file never queues behind a thread writing another (the webhook's ingest store)."""
    other = sa.create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with Session(engine) as first:
            first.add(Tag(name="held"))
            first.flush()  # holds the main file's slot
            done = threading.Event()

            def other_writer():
                with other.begin() as connection:
                    connection.exec_driver_sql("CREATE TABLE t (x)")
                done.set()

            threading.Thread(target=other_writer, daemon=True).start()
            answered = done.wait(timeout=20)
            first.commit()
        assert answered, "a write to another file waited for this one's slot"
    finally:
        other.dispose()
