"""items_api's gunicorn worker (items_api/worker.py) in a real gunicorn, on a tiny WSGI app."""

from __future__ import annotations

import http.client
import json
import re
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.support.platform import stop_process, wait_until

pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


class Served:
    """``tests/app/worker_app.py`` under gunicorn with our worker and the given options."""

    def __init__(self, tmp_path: Path, *options: str) -> None:
        self.port = free_port()
        self.log_path = tmp_path / f"gunicorn-{self.port}.log"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(GUNICORN),
                    "--worker-class",
                    "items_api.worker.ThreadLoopWorker",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--no-control-socket",
                    "--chdir",
                    str(HERE),
                    *options,
                    "worker_app:app",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._answers, 30, f"gunicorn on port {self.port}")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"gunicorn exited: {self.log_path.read_text()}")
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def log(self) -> str:
        """What gunicorn wrote so far."""
        return self.log_path.read_text()

    def connection(self) -> http.client.HTTPConnection:
        """A kept-alive HTTP/1.1 connection to the server."""
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def socket(self) -> socket.socket:
        """A raw connected socket."""
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)

    def stop(self) -> None:
        """SIGTERM and wait; SIGKILL if it hangs."""
        stop_process(self.process)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """Call with gunicorn options to start a server; stopped after the test."""
    started: list[Served] = []

    def start(*options: str) -> Served:
        started.append(Served(tmp_path, *options))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def _get(conn: http.client.HTTPConnection, path: str = "/") -> dict[str, Any]:
    conn.request("GET", path)
    response = conn.getresponse()
    assert response.status == 200
    body: dict[str, Any] = json.loads(response.read())
    return body


def _readable(sock: socket.socket, timeout: float) -> bool:
    return bool(select.select([sock], [], [], timeout)[0])


def _read_answer(sock: socket.socket, path: str) -> bytes:
    """Read until the answer naming ``path`` is complete (its head and body may come apart)."""
    answer = b""
    while f'"{path}"'.encode() not in answer:
        chunk = sock.recv(65536)
        assert chunk, f"closed after {answer!r}"
        answer += chunk
    return answer


def _closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(10)
    return sock.recv(1) == b""


def test_a_kept_alive_connection_serves_request_after_request(serve: Any) -> None:
    server = serve("--workers", "2", "--threads", "2")
    conn = server.connection()
    answers = [_get(conn, f"/n{n}") for n in range(50)]
    assert [a["path"] for a in answers] == [f"/n{n}" for n in range(50)]
    assert len({a["port"] for a in answers}) == 1  # one connection for all of them


def test_pipelined_requests_are_all_answered_in_order(serve: Any) -> None:
    server = serve("--threads", "2")
    received = b""
    with server.socket() as sock:
        sock.sendall(b"".join(f"GET /p{n} HTTP/1.1\r\nHost: t\r\n\r\n".encode() for n in range(3)))
        while received.count(b"HTTP/1.1 200") < 3 or not received.endswith(b"}"):
            chunk = sock.recv(65536)
            assert chunk, f"closed after {received!r}"
            received += chunk
    paths = re.findall(rb'"path": "([^"]+)"', received)
    assert paths == [b"/p0", b"/p1", b"/p2"]


def test_a_held_request_leaves_the_other_thread_serving(serve: Any, tmp_path: Path) -> None:
    server = serve("--workers", "1", "--threads", "2")
    release = tmp_path / "release"
    held = server.connection()
    held.request("GET", f"/hold?{release}")
    others = [server.connection() for _ in range(3)]
    for other in others:
        other.connect()  # opened right behind it, as a balancer opens connections in a burst
    for n, other in enumerate(others * 2):
        assert _get(other, f"/o{n}")["path"] == f"/o{n}"
    assert held.sock is not None
    assert not _readable(held.sock, 0), "the held request must still be waiting"
    release.touch()
    assert held.getresponse().status == 200


def test_a_silent_new_connection_holds_no_thread(serve: Any) -> None:
    server = serve("--workers", "1", "--threads", "1")
    with server.socket():  # connected, never sends
        assert _get(server.connection())["path"] == "/"


def test_sigterm_finishes_the_request_in_flight_and_closes_idle_connections(
    serve: Any, tmp_path: Path
) -> None:
    server = serve("--workers", "1", "--threads", "2", "--graceful-timeout", "20")
    release = tmp_path / "release"
    held = server.connection()
    held.request("GET", f"/hold?{release}")
    idle = server.socket()
    idle.sendall(b"GET /idle HTTP/1.1\r\nHost: t\r\n\r\n")
    _read_answer(idle, "/idle")  # the connection stays open
    late = server.connection()
    assert _get(late)["path"] == "/"
    server.process.send_signal(signal.SIGTERM)
    wait_until(lambda: "Stopping: 3 connections open" in server.log(), 10, "the worker's stop")
    # A request on a kept-alive connection right after SIGTERM is answered, then closed.
    late.request("GET", "/late")
    answer = late.getresponse()
    assert answer.status == 200
    assert answer.getheader("Connection") == "close"
    assert _closed_by_server(idle)  # after a short linger, not the 75 s keepalive
    assert server.process.poll() is None, "the request in flight holds the stop"
    release.touch()
    finished = held.getresponse()
    assert finished.status == 200
    assert json.loads(finished.read())["path"] == "/hold"
    assert server.process.wait(timeout=30) == 0


def test_an_idle_connection_is_closed_after_the_keepalive_timeout(serve: Any) -> None:
    server = serve("--threads", "2", "--keep-alive", "1")
    conn = server.connection()
    _get(conn)
    assert conn.sock is not None
    assert _closed_by_server(conn.sock)


def test_connections_beyond_the_cap_wait_until_one_closes(serve: Any) -> None:
    server = serve("--workers", "1", "--threads", "1", "--worker-connections", "2")
    first, second = server.connection(), server.connection()
    _get(first)
    _get(second)
    third = server.socket()
    third.sendall(b"GET /third HTTP/1.1\r\nHost: t\r\n\r\n")
    assert not _readable(third, 1.0), "a third connection must wait while two are open"
    first.close()
    assert _readable(third, 10)
    _read_answer(third, "/third")
    third.close()


def test_max_requests_replaces_the_worker_and_serving_goes_on(serve: Any) -> None:
    server = serve("--workers", "1", "--threads", "2", "--max-requests", "3")
    pids = set()
    for n in range(12):
        with httpx.Client(timeout=10) as client:  # a new connection each time
            response = client.get(f"http://127.0.0.1:{server.port}/m{n}")
        assert response.status_code == 200
        pids.add(response.json()["pid"])
    assert len(pids) >= 2
    assert "Autorestarting worker" in server.log()


def test_a_failed_serving_thread_stops_its_worker_and_gunicorn_starts_another(
    serve: Any,
) -> None:
    server = serve("--workers", "1", "--threads", "2")
    first = _get(server.connection())["pid"]
    with server.socket() as sock:
        sock.sendall(b"GET /exit HTTP/1.1\r\nHost: t\r\n\r\n")
        assert _closed_by_server(sock)  # no answer: the thread serving it is gone

    def answered_by_another() -> bool:
        try:
            return bool(
                httpx.get(f"http://127.0.0.1:{server.port}/", timeout=2).json()["pid"] != first
            )
        except httpx.HTTPError:
            return False

    wait_until(answered_by_another, 20, "a new worker's answer")
    assert "A serving thread failed; stopping this worker" in server.log()
