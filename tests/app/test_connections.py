"""The hot paths' database connections: one per serving thread, replaced when stale."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest
from items_api import db as db_module
from items_api.db import Database

from tests.support.platform import wait_until

pytestmark = pytest.mark.integration


def _backend(database: Database) -> int:
    with database.cursor() as cur:
        row = cur.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    pid: int = row[0]
    return pid


@pytest.fixture
def database(app: Any) -> Database:
    found: Database = app.extensions["items_api.db"]
    return found


def test_each_serving_thread_keeps_one_connection_of_its_own(database: Database) -> None:
    seen: dict[str, list[int]] = {}

    def serve(name: str) -> None:
        seen[name] = [_backend(database) for _ in range(3)]

    threads = [threading.Thread(target=serve, args=(f"t{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(len(set(pids)) == 1 for pids in seen.values()), seen
    assert len({pids[0] for pids in seen.values()}) == 3, seen


def test_a_connection_older_than_the_recycle_age_is_replaced(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend(database)
    monkeypatch.setattr(db_module, "RECYCLE_S", 0.0)
    assert _backend(database) != first


def test_a_connection_inherited_through_fork_is_left_open_for_the_parent(
    database: Database,
) -> None:
    first = _backend(database)
    inherited = database.local.connection
    assert inherited is not None
    database.local.pid = -1  # as a forked child sees it: opened by another process
    assert _backend(database) != first
    assert not inherited.closed  # closing it would have ended the parent's session
    inherited.close()


def test_a_connection_that_breaks_mid_statement_is_dropped_and_the_next_request_works(
    database: Database,
) -> None:
    first = _backend(database)
    with pytest.raises(psycopg.OperationalError), database.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    assert database.local.connection is None
    assert _backend(database) != first


def test_a_connection_the_server_closed_while_idle_is_replaced_before_use(
    database: Database, migrated_url: str
) -> None:
    first = _backend(database)
    idle = database.local.connection
    libpq = migrated_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(libpq, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    # The server's FATAL message makes the idle socket readable: seen before the statement.
    wait_until(lambda: db_module.closed_by_server(idle), 10, "the server to close the session")
    assert _backend(database) != first


def test_each_serving_thread_opens_its_connection_before_the_first_request(
    gunicorn_factory: Any, migrated_url: str
) -> None:
    server = gunicorn_factory(migrated_url, WEB_WORKERS="2", WEB_THREADS="2")
    # /health (all the start waited for) does not touch the database.
    with psycopg.connect(migrated_url.replace("+psycopg", ""), autocommit=True) as admin:

        def hot_path_connections() -> int:
            row = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                ("items-api-green",),
            ).fetchone()
            return int(row[0]) if row else 0

        wait_until(lambda: hot_path_connections() == 4, 10, "one connection per thread")
        assert server.status("/items/1") in {200, 404}
        assert hot_path_connections() == 4  # the request used its thread's, opened none
