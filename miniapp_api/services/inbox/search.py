"""Finding customers and messages by text (`/admin/search`), ignoring Vietnamese diacritics and case.

(The conversation list's `q` filter searches per-conversation documents instead: `documents`.)

A query is normalised like the stored `search_text` columns and split into
words; a row matches when every word occurs in it (as a substring, so "nguy"
finds "Nguyễn" and "0912" finds a phone). The same SQL `LIKE` conditions run
on both databases; what makes them fast differs:
- PostgreSQL: `pg_trgm` GIN indexes on the columns serve `LIKE '%word%'`;
- SQLite: FTS5 trigram tables (`message_fts`, `customer_fts`) first narrow the
  rows by `MATCH` for words of three letters or more, then `LIKE` checks them.
Words shorter than three letters have no trigram: they only filter the rows the
longer words found (or, alone, scan).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Conversation, Customer, Message
from .search_text import normalise

TRIGRAM = 3  # shortest word a trigram index can look up


def words(query: str | None) -> list[str]:
    """The distinct normalised words of a query, longest first (the most selective)."""
    return sorted(set(normalise(query).split()), key=len, reverse=True)


def matches(session: Session, column, fts_table: str, terms: list[str]):
    """A condition: `column` (a `search_text`) contains every term."""
    long_terms = [term for term in terms if len(term) >= TRIGRAM]
    dialect = session.get_bind().dialect.name
    conditions = [column.like(f"%{term}%") for term in long_terms]
    # Shorter words filter only: as LIKE they would make PostgreSQL scan the whole trigram index.
    contains = sa.func.strpos if dialect == "postgresql" else sa.func.instr
    conditions += [contains(column, term) > 0 for term in terms if len(term) < TRIGRAM]
    if dialect == "sqlite" and long_terms:
        expression = " AND ".join(f'"{term}"' for term in long_terms)
        parameter = f"{fts_table}_query"
        narrowed = (sa.select(sa.literal_column("rowid")).select_from(sa.table(fts_table))
                    .where(sa.text(f"{fts_table} MATCH :{parameter}").bindparams(**{parameter: expression})))
        conditions.insert(0, column.table.c.id.in_(narrowed))
    return sa.and_(*conditions)


def customer_matches(session: Session, terms: list[str]):
    return sa.and_(matches(session, Customer.__table__.c.search_text, "customer_fts", terms),
                   Customer.merged_into_id.is_(None))


def message_matches(session: Session, terms: list[str]):
    return matches(session, Message.__table__.c.search_text, "message_fts", terms)


def find_customers(session: Session, terms: list[str], limit: int, visible=None) -> list[Customer]:
    """Newest matching customers; `visible` (a condition on Conversation) limits them to those
    the caller may see a conversation of."""
    statement = sa.select(Customer).where(customer_matches(session, terms))
    if visible is not None:
        statement = statement.where(Customer.id.in_(sa.select(Conversation.customer_id).where(visible)))
    return list(session.scalars(statement.order_by(Customer.id.desc()).limit(limit)))


def find_messages(session: Session, terms: list[str], limit: int, visible=None) -> list[tuple[Message, Conversation]]:
    """Newest matching messages with their conversation, within `visible` conversations."""
    statement = (sa.select(Message, Conversation).join(Conversation, Conversation.id == Message.conversation_id)
                 .where(message_matches(session, terms)))
    if visible is not None:
        statement = statement.where(visible)
    return [tuple(row) for row in session.execute(statement.order_by(Message.id.desc()).limit(limit))]
