"""The webhook's ingest store: the database `webhook_ingest` lives in (WEBHOOK_INBOX_DATABASE_URL).

Zalo wants an answer within ~2 s. On SQLite every write to a file queues for
its single writer, so an event stored in the main file waited behind the
worker's and the forms' transactions; a file of its own has no writer but the
webhook and the worker's short moves. When the URL is the main database's
(PostgreSQL by default) the store is simply `db.engine`, and `flask db
upgrade` creates the table; a separate database gets the table on first use
(`CREATE TABLE IF NOT EXISTS`), so nothing has to be migrated by hand.
"""
from __future__ import annotations

import threading

import sqlalchemy as sa
from flask import Flask, current_app

from .config import engine_options
from .extensions import db

EXTENSION = "webhook_ingest_store"


class IngestStore:
    """The engine of the ingest store, created (and its table with it) the first time it is needed."""

    def __init__(self, url: str, main_url: str):
        self.url, self.shared = url, url == main_url
        self._engine: sa.Engine | None = None
        self._lock = threading.Lock()

    def engine(self) -> sa.Engine:
        if self.shared:
            return db.engine
        with self._lock:
            if self._engine is None:
                from .models import WebhookIngest

                engine = sa.create_engine(self.url, **engine_options(self.url))
                WebhookIngest.__table__.create(engine, checkfirst=True)
                self._engine = engine
            return self._engine

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = IngestStore(app.config["WEBHOOK_INBOX_DATABASE_URL"],
                                            app.config["SQLALCHEMY_DATABASE_URI"])


def shares_main_database(app: Flask | None = None) -> bool:
    """True when the ingest store is the main database (its writes can join the caller's transaction)."""
    return (app or current_app).extensions[EXTENSION].shared


def ingest_engine(app: Flask | None = None) -> sa.Engine:
    """The engine to write accepted events to and move them from (inside an app context when shared)."""
    return (app or current_app).extensions[EXTENSION].engine()
