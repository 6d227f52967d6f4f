"""Engine, connections and the schema-version check.

Every request borrows a pooled connection for as long as it needs it and gives it back at
once. Reads and single-statement writes run in autocommit (one round trip, no BEGIN or
ROLLBACK, never idle in transaction); work of several statements runs in ``Database.begin()``.
"""

from __future__ import annotations

import select
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError

from items_api.config import Settings

_EXTENSION = "items_api.db"
_READABLE = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP


@dataclass(frozen=True)
class Database:
    """What the app keeps about its database: the engines, the migration revisions."""

    engine: Engine
    autocommit: Engine
    head: str
    known_revisions: frozenset[str]

    def connect(self) -> Connection:
        """A connection in autocommit: each statement is its own transaction."""
        return self.autocommit.connect()

    def begin(self) -> AbstractContextManager[Connection]:
        """A connection in a transaction, committed on success, rolled back on error."""
        return self.engine.begin()


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
    # its statement instead: the request answers 503 and SQLAlchemy recycles the whole pool.
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
        connect_args={
            "connect_timeout": settings.db_connect_timeout_s,
            "application_name": f"{settings.service_name}-{settings.deployment_color}",
            "options": options,
        },
    )
    event.listen(engine, "checkout", _check_on_checkout)
    return engine


def read_revisions(settings: Settings) -> tuple[str, frozenset[str]]:
    """The head revision of this release's migrations, and every revision it knows."""
    scripts = ScriptDirectory(str(settings.migrations_dir))
    heads = scripts.get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {heads}")
    return heads[0], frozenset(rev.revision for rev in scripts.walk_revisions())


def init_app(app: Flask, settings: Settings) -> None:
    """Attach the database to ``app``; nothing connects until the first request needs it."""
    engine = make_engine(settings)
    head, known = read_revisions(settings)
    app.extensions[_EXTENSION] = Database(
        engine=engine,
        autocommit=engine.execution_options(isolation_level="AUTOCOMMIT"),
        head=head,
        known_revisions=known,
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
