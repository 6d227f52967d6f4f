"""Engine, connections and the schema-version check.

Every request borrows a pooled connection for as long as it needs it and gives it back at
once. Every connection is in autocommit and every request is one statement: one round trip,
no BEGIN or ROLLBACK, never idle in transaction.
"""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from flask import Flask, current_app
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError

from items_api.config import Settings
from items_api.revisions import read_revisions

_EXTENSION = "items_api.db"
_READABLE = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP


@dataclass(frozen=True)
class Database:
    """What the app keeps about its database: the engine, the migration revisions."""

    engine: Engine
    head: str
    known_revisions: frozenset[str]

    def connect(self) -> Connection:
        """A SQLAlchemy connection in autocommit: each statement is its own transaction."""
        return self.engine.connect()

    @contextmanager
    def cursor(self) -> Iterator[psycopg.Cursor[Any]]:
        """A psycopg cursor on a pooled connection, in autocommit, for one statement.

        The hot paths send SQL compiled once from SQLAlchemy statements straight to psycopg:
        SQLAlchemy's per-statement execution layer (cache key, execution context, result
        metadata) costs about as much CPU as the round trip itself. The pool, its checkout
        check and its recycling are SQLAlchemy's still. A connection that broke is discarded
        (one that only hit the statement timeout is fine and goes back to the pool).
        """
        pooled = self.engine.raw_connection()
        connection: psycopg.Connection[Any] = pooled.driver_connection  # type: ignore[assignment]  # the psycopg dialect's
        try:
            with connection.cursor() as cur:
                yield cur
        except psycopg.Error as exc:
            if connection.broken or connection.closed:
                pooled.invalidate(exc)
            raise
        finally:
            pooled.close()


def closed_by_server(dbapi_connection: Any) -> bool:
    """True when the server has closed (or is closing) an idle connection.

    An idle PostgreSQL connection has nothing to read. When the server shuts down or restarts
    it sends a FATAL message and closes the socket, so the socket turns readable: one poll()
    system call notices it, where a ping would cost a round trip on every checkout.
    """
    if dbapi_connection.closed:
        return True
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), _READABLE)
    return bool(poller.poll(0))


def _check_on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    # The pool discards a connection that raises DisconnectionError here and hands out a new
    # one (pre-ping without the round trip). A connection that dies unseen (host lost) fails
    # its statement instead: the request answers 503 and the connection is discarded.
    if closed_by_server(dbapi_connection):
        raise DisconnectionError("the server closed this connection")


def make_engine(settings: Settings) -> Engine:
    """A pooled engine whose connections are checked before use, so it survives restarts."""
    options = f"-c statement_timeout={settings.db_statement_timeout_ms}"
    options += " -c idle_in_transaction_session_timeout=60000 -c timezone=UTC"
    engine = create_engine(
        settings.sqlalchemy_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        pool_recycle=1800,
        isolation_level="AUTOCOMMIT",
        connect_args={
            "connect_timeout": settings.db_connect_timeout_s,
            "application_name": f"{settings.service_name}-{settings.deployment_color}",
            "options": options,
        },
    )
    event.listen(engine, "checkout", _check_on_checkout)
    return engine


def init_app(app: Flask, settings: Settings) -> None:
    """Attach the database to ``app``; nothing connects until the first request needs it."""
    head, known = read_revisions(settings.migrations_dir)
    app.extensions[_EXTENSION] = Database(
        engine=make_engine(settings), head=head, known_revisions=known
    )


def database() -> Database:
    """The current app's database."""
    db: Database = current_app.extensions[_EXTENSION]
    return db


def schema_problem(db: Database) -> str | None:
    """Why the schema cannot serve this release, or None when it can.

    The database may be ahead of us (a newer release migrated, expand-only while we run),
    but never behind: a revision we know that is not our head means migrations are pending.
    """
    with db.connect() as conn:
        exists = conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
        if not exists:
            return "database schema is not migrated (no alembic_version table)"
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if not current:
        return "database schema is not migrated (alembic_version is empty)"
    if db.head in current:
        return None
    behind = [rev for rev in current if rev in db.known_revisions]
    if behind:
        return f"database schema is at {', '.join(behind)}, this release needs {db.head}"
    return None
