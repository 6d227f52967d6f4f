"""Alembic environment: the database URL comes from the service's own settings."""

from __future__ import annotations

import sys
from logging.config import fileConfig

from alembic import context
from items_api.config import ConfigError, load_settings
from items_api.models import Base
from sqlalchemy import create_engine, text

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata

# A migration waits at most this long for a lock (an old transaction holding one fails the
# migration fast instead of queueing every request behind it).
LOCK_TIMEOUT = "5s"


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade head --sql``)."""
    context.configure(
        url="postgresql+psycopg://",
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations against the configured database, one transaction each."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        sys.exit(f"alembic: {exc}")
    engine = create_engine(settings.sqlalchemy_url, connect_args={"connect_timeout": 10})
    with engine.connect() as connection:
        connection.execute(text(f"SET lock_timeout = '{LOCK_TIMEOUT}'"))
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
