"""Engine, connections and the schema-version check.

Every request is one statement on a connection in autocommit: one round trip, no BEGIN or
ROLLBACK, never idle in transaction. The hot paths (the items routes) run it on a psycopg
connection their serving thread owns; the rest (readiness, the database check) borrow one
from SQLAlchemy's pool.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from flask import Flask, current_app
from sqlalchemy import URL, Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError

from items_api import lifecycle
from items_api.config import Settings
from items_api.revisions import read_revisions

_EXTENSION = "items_api.db"
_READABLE = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP
RECYCLE_S = 1800.0  # connections older than this are replaced (pool_recycle, the same age)


class ThreadConnection(threading.local):
    """The serving thread's own connection, when it was opened, and by which process."""

    connection: psycopg.Connection[Any] | None = None
    opened: float = 0.0
    pid: int = 0


@dataclass(frozen=True)
class Database:
    """What the app keeps about its database: the engine, the migration revisions, and
    what a serving thread needs to open its own connection."""

    engine: Engine
    head: str
    known_revisions: frozenset[str]
    connect_kwargs: Mapping[str, Any] = field(default_factory=dict, repr=False)
    local: ThreadConnection = field(default_factory=ThreadConnection, repr=False, compare=False)

    def connect(self) -> Connection:
        """A SQLAlchemy connection in autocommit: each statement is its own transaction."""
        return self.engine.connect()

    @contextmanager
    def cursor(self) -> Iterator[psycopg.Cursor[Any]]:
        """A psycopg cursor, in autocommit, on the calling thread's own connection.

        One connection per serving thread, like one per process in a sync worker: a thread
        serves one request at a time, so it never waits for a connection, and nothing is
        checked out and back in (SQLAlchemy's pool showed up in every request's profile, see
        README's Figures). The hot paths send SQL compiled once from
        SQLAlchemy statements straight to psycopg for the same reason. Before each use a
        connection the server closed, or one older than RECYCLE_S, is replaced; one that
        broke during the statement is dropped (one that only hit the statement timeout is
        fine and is kept).
        """
        connection = self._thread_connection()
        try:
            with connection.cursor() as cur:
                yield cur
        except psycopg.Error:
            if connection.broken or connection.closed:
                self.local.connection = None
                connection.close()
            raise

    def warm_up(self) -> None:
        """Open the calling thread's connection now, before a request needs it.

        Else the first request each thread serves after a deploy's switch waits for a TCP
        and SCRAM handshake (the cutover figure of bench/bench_deploy.py). A database that
        does not answer (at most ``connect_timeout``) is left to that first request, and
        /ready reports it.
        """
        with contextlib.suppress(psycopg.Error):
            self._thread_connection()

    def _thread_connection(self) -> psycopg.Connection[Any]:
        local = self.local
        connection = local.connection
        if connection is not None and local.pid != os.getpid():
            # Inherited through fork: the parent owns the socket. Forget it, never close it
            # (closing would end the parent's session too).
            connection = local.connection = None
        if connection is not None and (
            closed_by_server(connection) or time.monotonic() - local.opened > RECYCLE_S
        ):
            local.connection = None
            connection.close()
            connection = None
        if connection is None:
            connection = psycopg.connect(**self.connect_kwargs)
            local.connection, local.opened, local.pid = connection, time.monotonic(), os.getpid()
        return connection


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


def connect_args(settings: Settings) -> dict[str, Any]:
    """libpq options every connection gets: timeouts, its name in pg_stat_activity, UTC."""
    options = f"-c statement_timeout={settings.db_statement_timeout_ms}"
    options += " -c idle_in_transaction_session_timeout=60000 -c timezone=UTC"
    return {
        "connect_timeout": settings.db_connect_timeout_s,
        "application_name": f"{settings.service_name}-{settings.deployment_color}",
        "options": options,
    }


def psycopg_kwargs(url: URL, settings: Settings) -> dict[str, Any]:
    """``psycopg.connect`` keyword arguments for ``url``: the same server, role and options
    as the engine's connections (query parameters such as sslmode included), in autocommit."""
    params = url.translate_connect_args(username="user", database="dbname")
    params.update({key: str(value) for key, value in url.query.items()})
    return {**params, **connect_args(settings), "autocommit": True}


def make_engine(settings: Settings, url: URL) -> Engine:
    """A pooled engine on ``url`` whose connections are checked before use, so it survives
    restarts."""
    engine = create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        pool_recycle=int(RECYCLE_S),
        isolation_level="AUTOCOMMIT",
        connect_args=connect_args(settings),
    )
    event.listen(engine, "checkout", _check_on_checkout)
    return engine


def init_app(app: Flask, settings: Settings) -> None:
    """Attach the database to ``app``; nothing connects until a serving thread is first idle
    (under gunicorn with items_api.worker) or a request needs it."""
    head, known = read_revisions(settings.migrations_dir)
    url = settings.sqlalchemy_url  # read once: with an SSM parameter, this reads it
    db = Database(
        engine=make_engine(settings, url),
        head=head,
        known_revisions=known,
        connect_kwargs=psycopg_kwargs(url, settings),
    )
    app.extensions[_EXTENSION] = db
    lifecycle.on_serving_thread_idle(_EXTENSION, db.warm_up)


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
