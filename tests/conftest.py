"""Shared fixtures: one real PostgreSQL per test session, and fresh databases from it."""

from __future__ import annotations

import itertools
import secrets
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bluegreen.local.postgres import PostgresServer, find_pg_bin_dir
from bluegreen.local.postgres_sql import PostgresError
from tests.support.clock import FakeClock
from tests.support.memory import MemoryProvider


def free_port() -> int:
    """A TCP port on 127.0.0.1 that the OS says is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def make_postgres(prefix: str) -> tuple[PostgresServer, Path]:
    """A started PostgreSQL in a new temporary directory (the caller stops and removes it)."""
    try:
        find_pg_bin_dir()
    except PostgresError as exc:
        pytest.fail(f"{exc} (make setup installs it)")
    # mkdtemp directories are 0700 root-owned; the server's own dir lives inside a 0755 one.
    base = Path(tempfile.mkdtemp(prefix=prefix))
    base.chmod(0o755)
    server = PostgresServer(base / "data", free_port())
    server.start()
    return server, base


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session, on a free port, in a temporary directory."""
    server, base = make_postgres("bluegreen-pg-")
    try:
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)


DatabaseFactory = Callable[[], str]


@pytest.fixture(scope="session")
def database_factory(postgres: PostgresServer) -> DatabaseFactory:
    """Call it for the URL of a new, empty database owned by its own role."""
    counter = itertools.count(1)

    def create() -> str:
        name = f"test_{next(counter)}_{secrets.token_hex(3)}"
        password = secrets.token_urlsafe(12)
        postgres.ensure_role_and_database(user=name, password=password, database=name)
        return postgres.url(user=name, password=password, database=name)

    return create


@pytest.fixture
def fresh_database_url(database_factory: DatabaseFactory) -> str:
    """The URL of a new, empty database for this test."""
    return database_factory()


# ------------------------------------------------------------------ the in-memory platform
# Unit tests of the procedure run on `MemoryProvider` with blue live at 1.0.0 and a fake clock;
# folders with a real platform (local/, e2e/, aws/, report/) define their own `platform`/`clock`.


@pytest.fixture
def clock() -> FakeClock:
    """Fake time: sleeping advances it at once."""
    return FakeClock()


@pytest.fixture
def platform(clock: FakeClock) -> MemoryProvider:
    """The in-memory platform, blue live at 1.0.0."""
    provider = MemoryProvider(clock=clock)
    provider.seed("blue", "1.0.0")
    return provider
