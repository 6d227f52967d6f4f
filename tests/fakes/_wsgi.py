"""The small WSGI toolkit the fakes share."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def respond(start_response: StartResponse, status: int, body: dict[str, Any]) -> list[bytes]:
    """A JSON response."""
    data = json.dumps(body).encode()
    reasons = {200: "OK", 404: "Not Found", 500: "Internal Server Error", 503: "Unavailable"}
    start_response(
        f"{status} {reasons.get(status, 'Status')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]


def identity() -> dict[str, Any]:
    """What every fake says about itself."""
    return {
        "version": os.environ.get("APP_VERSION"),
        "color": os.environ.get("DEPLOYMENT_COLOR"),
        "pid": os.getpid(),
    }


def make_app(*, healthy: bool = True, error_every: int = 0) -> Wsgi:
    """An app: /health (200 or 503), /slow?ms=N, and / (500 on every `error_every`-th call)."""
    calls = 0

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        nonlocal calls
        path = environ.get("PATH_INFO", "/")
        if path == "/health":
            return respond(start_response, 200 if healthy else 503, identity())
        if path == "/slow":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            time.sleep(int(query.get("ms", ["1000"])[0]) / 1000)
        calls += 1
        if error_every and calls % error_every == 0:
            return respond(start_response, 500, {"error": "flaky", **identity()})
        return respond(start_response, 200, identity())

    return app
