"""The service as a real gunicorn process: logs, shutdown, and PostgreSQL outages."""

from __future__ import annotations

import http.client
import json
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bluegreen.local.postgres import PostgresServer
from tests.app.conftest import migrate
from tests.conftest import make_postgres
from tests.support.platform import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[tuple[PostgresServer, str]]:
    """A PostgreSQL of this module's own, since these tests stop and restart it."""
    server, base = make_postgres("bluegreen-pgproc-")
    server.ensure_role_and_database(user="items", password="pw-items", database="items")
    url = server.url(user="items", password="pw-items", database="items")
    migrate(url)
    try:
        yield server, url
    finally:
        server.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)


def test_each_request_logs_one_json_access_line(gunicorn_factory: Any, migrated_url: str) -> None:
    server = gunicorn_factory(migrated_url)
    httpx.get(f"{server.base_url}/health", headers={"X-Request-ID": "trace-me"})
    wait_until(lambda: "trace-me" in server.log(), 5, "the access line")
    line = next(json.loads(x) for x in server.log().splitlines() if "trace-me" in x)
    assert line["method"] == "GET"
    assert line["path"] == "/health"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert "pw-" not in server.log()


def test_ready_turns_503_as_soon_as_sigterm_arrives(
    gunicorn_factory: Any, migrated_url: str
) -> None:
    server = gunicorn_factory(migrated_url, WEB_WORKERS="1")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/ready")
    assert conn.getresponse().read()
    assert server.process is not None
    server.process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    conn.request("GET", "/ready")  # the kept-alive connection lingers while stopping
    response = conn.getresponse()
    assert response.status == 503
    assert json.loads(response.read())["error"]["code"] == "shutting_down"
    assert server.process.wait(timeout=30) == 0


def test_postgres_restart_recovers_without_restart_and_loses_no_acknowledged_write(
    gunicorn_factory: Any, own_postgres: tuple[PostgresServer, str]
) -> None:
    pg, url = own_postgres
    server = gunicorn_factory(url)
    acknowledged: list[int] = []
    statuses: list[int] = []
    stop = threading.Event()

    def writer() -> None:
        with httpx.Client(base_url=server.base_url, timeout=10) as http:
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    r = http.post("/items", json={"name": f"w{n}"})
                except httpx.HTTPError:
                    continue
                statuses.append(r.status_code)
                if r.status_code == 201:
                    acknowledged.append(r.json()["item"]["id"])

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        wait_until(lambda: len(acknowledged) > 20, 10, "writes before the restart")
        pg.stop("fast")
        time.sleep(1)
        pg.start()
        before = len(acknowledged)
        wait_until(lambda: len(acknowledged) > before + 20, 20, "writes after the restart")
    finally:
        stop.set()
        thread.join(timeout=15)
    assert server.process.poll() is None, "gunicorn must keep running"
    assert set(statuses) <= {201, 503}
    assert server.status("/ready") == 200
    ids: set[int] = set()
    cursor = None
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        while True:
            body = http.get(
                "/items", params={"limit": 1000, **({"cursor": cursor} if cursor else {})}
            ).json()
            ids.update(item["id"] for item in body["items"])
            cursor = body["next_cursor"]
            if not cursor:
                break
    assert set(acknowledged) <= ids


def test_service_started_while_database_is_down_becomes_ready_when_it_is_up(
    gunicorn_factory: Any, own_postgres: tuple[PostgresServer, str]
) -> None:
    pg, url = own_postgres
    pg.stop("fast")
    try:
        server = gunicorn_factory(url)  # /health answers without the database
        assert server.status("/ready") == 503
        assert server.status("/db-check") == 503
    finally:
        pg.start()
    wait_until(lambda: server.status("/ready") == 200, 20, "readiness once PostgreSQL is up")
    assert httpx.post(f"{server.base_url}/items", json={"name": "late"}).status_code == 201


def test_first_request_after_a_postgres_restart_gets_a_fresh_connection(
    own_postgres: tuple[PostgresServer, str],
) -> None:
    from items_api import create_app  # noqa: PLC0415
    from items_api.config import load_settings  # noqa: PLC0415

    pg, url = own_postgres
    app = create_app(load_settings(database_url=url))
    client = app.test_client()
    try:
        assert client.get("/items?limit=1").status_code == 200  # one pooled connection
        for mode in ("fast", "immediate"):
            pg.stop(mode)
            pg.start()
            # The checkout check sees the server closed the pooled connection: no 503.
            assert client.get("/items?limit=1").status_code == 200
            assert client.post("/items", json={"name": mode}).status_code == 201
    finally:
        app.extensions["items_api.db"].engine.dispose()


def test_a_second_instance_on_a_busy_port_stops_with_a_clear_message(
    gunicorn_factory: Any, migrated_url: str
) -> None:
    first = gunicorn_factory(migrated_url)
    second = gunicorn_factory(migrated_url, wait=False, PORT=str(first.port))
    second.start_process()
    assert second.process is not None
    assert second.process.wait(timeout=60) != 0
    assert f"cannot listen on 127.0.0.1:{first.port}" in second.log()
    assert first.status("/health") == 200  # the first instance keeps all its connections


def test_the_master_serves_one_warm_up_request_per_route_before_forking(
    gunicorn_factory: Any, migrated_url: str
) -> None:
    server = gunicorn_factory(migrated_url)
    lines = [json.loads(x) for x in server.log().splitlines() if '"warm-up"' in x]
    assert sorted(line["path"] for line in lines) == ["/", "/health"]
    assert {line["status"] for line in lines} == {200}
