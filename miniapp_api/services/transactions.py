"""Running a unit of work as one transaction, retried when a concurrent writer wins a race."""
from __future__ import annotations

from typing import Callable, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

T = TypeVar("T")


def run_in_transaction(session: Session, work: Callable[[], T], *, attempts: int = 3) -> T:
    """Run `work` and commit; on a unique-key race or deadlock, roll back and run it again.

    Two first requests of the same new customer can both try to insert the same
    identity; the loser's retry then finds the winner's row and links to it.
    Nothing is half-written: every failure rolls the whole unit back.
    """
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            session.commit()
            return result
        except (IntegrityError, OperationalError) as exc:
            session.rollback()
            if attempt == attempts or not _retryable(exc):
                raise
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    return "deadlock" in text or "could not serialize" in text or "database is locked" in text
