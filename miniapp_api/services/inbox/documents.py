"""The conversation list's text filter, answered from the per-conversation search document.

A conversation matches when every word of the query occurs (as a substring,
diacritics and case ignored: `search_text.normalise`) in its customer's text or
in its messages' text (`models.conversation_search`). The list wants the first
page in activity order, so two plans are tried, each cheap where the other is not:

1. Walk: check the documents of the `WINDOW` newest conversations the other
   filters (and the cursor) allow, in list order, and stop at the first page.
   A common phrase fills the page after a few dozen rows, however many
   conversations match in all.
2. Gather: when the window holds too few matches (a rare word) and there is more
   beyond it, look the words up in the text index (FTS5 trigram on SQLite,
   pg_trgm GIN on PostgreSQL) and order what it finds: few rows, by then. The
   index is asked first, in a statement of its own, and its ids are handed to
   the ordered query as a list: inside one statement the planners prefer to walk
   the activity index and test every conversation against the text, which for a
   word nobody wrote meant reading every document (220 ms on SQLite, 600 ms on
   PostgreSQL at 100k conversations). Past `GATHER_LIMIT` ids the word is common
   after all, and the lookup stays a subquery.
Words shorter than three letters have no trigram; they only filter (alone, scan).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Conversation, ConversationSearch
from .search import TRIGRAM

WINDOW = 500  # newest conversations the walk checks before asking the index
GATHER_LIMIT = 2000  # index answers up to this many conversations are passed on as a list of ids
ORDER = (Conversation.updated_at.desc(), Conversation.id.desc())
_COLUMNS = (ConversationSearch.__table__.c.customer_text, ConversationSearch.__table__.c.message_text)
FTS = "conversation_search_fts"


def newest_matching(session: Session, statement: sa.Select, terms: list[str], count: int) -> list[Conversation]:
    """Up to `count` conversations of `statement` (a SELECT of Conversation) whose document holds every
    term, newest activity first."""
    dialect = session.get_bind().dialect.name
    candidates = statement.join(ConversationSearch, ConversationSearch.conversation_id == Conversation.id)
    walk = candidates.where(*_contains(dialect, terms))
    # The window's last key: `updated_at >= at` bounds the index scan, `id` breaks ties.
    last = session.execute(statement.with_only_columns(Conversation.updated_at, Conversation.id)
                           .order_by(*ORDER).offset(WINDOW - 1).limit(1)).first()
    if last is not None:
        at, id_ = last
        walk = walk.where(Conversation.updated_at >= at,
                          sa.or_(Conversation.updated_at > at, Conversation.id >= id_))
    rows = list(session.scalars(walk.order_by(*ORDER).limit(count)))
    if len(rows) == count or last is None:
        return rows
    return list(session.scalars(candidates.where(*_indexed(session, dialect, terms)).order_by(*ORDER).limit(count)))


def matching(session: Session, statement: sa.Select, terms: list[str]) -> sa.Select:
    """`statement` (a SELECT of Conversation) narrowed to documents holding every term, in any order the
    caller gives (for orders other than activity, where walking the activity order does not help)."""
    dialect = session.get_bind().dialect.name
    return statement.join(ConversationSearch, ConversationSearch.conversation_id == Conversation.id).where(
        *_indexed(session, dialect, terms))


def _contains(dialect: str, terms: list[str]) -> list:
    """Every term in the document, as plain checks for rows found otherwise."""
    find = sa.func.strpos if dialect == "postgresql" else sa.func.instr
    return [sa.or_(*(find(column, term) > 0 for column in _COLUMNS)) for term in terms]


def _indexed(session: Session, dialect: str, terms: list[str]) -> list:
    """Every term in the document, as conditions the database's text index answers."""
    long_terms = [term for term in terms if len(term) >= TRIGRAM]
    if not long_terms:
        return _contains(dialect, terms)
    found = _index_lookup(dialect, long_terms)
    ids = session.scalars(found.limit(GATHER_LIMIT + 1)).all()
    narrowed = ids if len(ids) <= GATHER_LIMIT else found
    return [ConversationSearch.conversation_id.in_(narrowed), *_contains(dialect, terms)]


def _index_lookup(dialect: str, long_terms: list[str]) -> sa.Select:
    """The ids of the documents holding every long term, found through the text index alone."""
    if dialect == "postgresql":  # LIKE '%word%' is what pg_trgm's GIN indexes serve
        return sa.select(ConversationSearch.conversation_id).where(
            *(sa.or_(*(column.like(f"%{term}%") for column in _COLUMNS)) for term in long_terms))
    expression = " AND ".join(f'"{term}"' for term in long_terms)
    return (sa.select(sa.literal_column("rowid")).select_from(sa.table(FTS))
            .where(sa.text(f"{FTS} MATCH :document_query").bindparams(document_query=expression)))
