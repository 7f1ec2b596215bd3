"""Create a row keyed by a unique column unless it exists, safely when two processes race."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def ensure_row(session: Session, model, key: str, value: str, **defaults):
    """The row of `model` whose unique `key` is `value`, inserted first (ON CONFLICT DO NOTHING) if missing."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(model).values({key: value, **defaults})
                    .on_conflict_do_nothing(index_elements=[key]))
    return session.scalar(sa.select(model).where(getattr(model, key) == value).execution_options(populate_existing=True))
