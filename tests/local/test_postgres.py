"""PostgresServer: a private cluster run as an unprivileged user, with password auth on TCP."""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text

from bluegreen.local.postgres import PostgresServer
from bluegreen.local.postgres_sql import PostgresError
from tests.conftest import free_port, make_postgres

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    """A server of its own: these tests stop and start it."""
    srv, base = make_postgres("bluegreen-pgtest-")
    try:
        yield srv
    finally:
        srv.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)


def test_start_and_stop_are_idempotent(server: PostgresServer) -> None:
    server.start()
    assert server.is_running()
    server.stop()
    server.stop()
    assert not server.is_running()
    server.start()
    server.start()
    assert server.is_running()


def test_data_directory_is_private_to_the_server_user(server: PostgresServer) -> None:
    assert server.data_dir.stat().st_mode & 0o777 == 0o700
    assert (server.data_dir / "PG_VERSION").exists()


def test_role_and_database_are_created_idempotently_and_url_connects(
    server: PostgresServer,
) -> None:
    for _ in range(2):
        server.ensure_role_and_database(user="shop", password="s3cr'et\\x", database="shopdb")
    url = server.url(user="shop", password="s3cr'et\\x", database="shopdb")
    assert url.startswith("postgresql+psycopg://shop:")
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT current_user, current_database()")).one() == (
            "shop",
            "shopdb",
        )
    engine.dispose()


def test_tcp_requires_the_right_password(server: PostgresServer) -> None:
    server.ensure_role_and_database(user="guarded", password="right", database="guarded")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(
            host=server.host, port=server.port, user="guarded", password="wrong", dbname="guarded"
        )


def test_server_listens_only_on_its_host(server: PostgresServer) -> None:
    addresses = [ip for ip in _local_addresses() if not ip.startswith("127.")]
    for address in addresses:
        with socket.socket() as sock:
            sock.settimeout(1)
            assert sock.connect_ex((address, server.port)) != 0


def test_invalid_names_are_rejected_before_reaching_sql(server: PostgresServer) -> None:
    with pytest.raises(PostgresError, match="invalid role name"):
        server.ensure_role_and_database(user='x"; DROP', password="p", database="d")


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A temporary directory the postgres OS user can traverse."""
    base = Path(tempfile.mkdtemp(prefix="bluegreen-pgscratch-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def test_start_failure_reports_the_log_tail(scratch: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        srv = PostgresServer(scratch / "data", blocker.getsockname()[1])
        with pytest.raises(PostgresError, match=r"did not start[\s\S]*Last lines"):
            srv.start(timeout=10)
        assert not srv.is_running()


def test_non_empty_foreign_directory_is_refused(scratch: Path) -> None:
    (scratch / "stray.txt").write_text("not a cluster")
    with pytest.raises(PostgresError, match="neither empty nor a PostgreSQL data directory"):
        PostgresServer(scratch, free_port()).ensure_initialised()


def _local_addresses() -> list[str]:
    try:
        return sorted(
            {
                str(info[4][0])
                for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
            }
        )
    except OSError:
        return []
