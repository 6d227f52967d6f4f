"""The live colour's readiness after a migration: one GET of /ready on a real HTTP server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bluegreen.readiness import live_readiness_problem

ANSWERS = {
    "/ready": (200, b'{"status": "ready"}'),
    "/prefix/ready": (200, b"{}"),
    "/broken": (503, b'  {"error": "database at 0002, code expects 0001"}\n'),
    "/crash": (500, b"x" * 1000),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, body = ANSWERS.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads answers, not logs."""


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_ready_colour_has_no_problem(base_url: str) -> None:
    assert live_readiness_problem(base_url) is None
    assert live_readiness_problem(base_url + "/") is None
    assert live_readiness_problem(base_url + "/prefix") is None


def test_a_colour_without_the_endpoint_is_not_held_against_it(base_url: str) -> None:
    assert live_readiness_problem(base_url, "/healthz") is None


def test_a_5xx_answer_is_the_problem_with_the_start_of_its_body(base_url: str) -> None:
    assert live_readiness_problem(base_url, "/broken") == (
        '/broken answered 503: {"error": "database at 0002, code expects 0001"}'
    )
    assert live_readiness_problem(base_url, "/crash") == "/crash answered 500: " + "x" * 200


def test_nothing_listening_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert live_readiness_problem(f"http://127.0.0.1:{port}") == (
        "/ready unreachable: ConnectionRefusedError"
    )
