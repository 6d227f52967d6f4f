"""Engine, per-request sessions and the schema-version check."""

from __future__ import annotations

from dataclasses import dataclass

from alembic.script import ScriptDirectory
from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from items_api.config import Settings

_EXTENSION = "items_api.db"


@dataclass(frozen=True)
class Database:
    """What the app keeps about its database: the engine, a session factory, the revisions."""

    engine: Engine
    sessions: sessionmaker[Session]
    head: str
    known_revisions: frozenset[str]


def make_engine(settings: Settings) -> Engine:
    """A pooled engine that checks connections before use, so it survives server restarts."""
    options = f"-c statement_timeout={settings.db_statement_timeout_ms}"
    options += " -c idle_in_transaction_session_timeout=60000 -c timezone=UTC"
    return create_engine(
        settings.sqlalchemy_url,
        pool_pre_ping=True,
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
        sessions=sessionmaker(engine, expire_on_commit=False),
        head=head,
        known_revisions=known,
    )
    app.teardown_appcontext(close_session)


def database() -> Database:
    """The current app's database."""
    db: Database = current_app.extensions[_EXTENSION]
    return db


def get_session() -> Session:
    """The request's session, opened on first use and closed when the request ends."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    session: Session = g.db_session
    return session


def close_session(_exc: BaseException | None = None) -> None:
    """Close the request's session: any open transaction rolls back, the connection returns."""
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


def schema_problem(session: Session) -> str | None:
    """Why the schema cannot serve this release, or None when it can.

    The database may be ahead of us (a newer release migrated, expand-only while we run),
    but never behind: a revision we know that is not our head means migrations are pending.
    """
    exists = session.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
    if not exists:
        return "database schema is not migrated (no alembic_version table)"
    current = session.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    db = database()
    if not current:
        return "database schema is not migrated (alembic_version is empty)"
    if db.head in current:
        return None
    behind = [rev for rev in current if rev in db.known_revisions]
    if behind:
        return f"database schema is at {', '.join(behind)}, this release needs {db.head}"
    return None
