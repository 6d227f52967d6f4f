"""JSON logs on stdout via structlog, request ids, and one access line per request.

What a request pays for logging, measured (bench/bench_app.py): every event is rendered to
bytes by pydantic-core and written with one write() (structlog's BytesLogger; with
PYTHONUNBUFFERED, as in the image, a text logger's print() costs two writes per line). The
request id and the access line come from a WSGI middleware around the Flask app, like
werkzeug's ProxyFix: no Flask hooks, no context variables to bind and clear, and the access
line, written on every request, is rendered directly with the keys and order structlog's
chain would give it, to the same stream under the same lock.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, MutableMapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pydantic_core
import structlog
from flask import Flask, has_request_context, request

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
REQUEST_ID_KEY = "items_api.request_id"  # where the middleware leaves the id in the environ

log = structlog.get_logger("items_api")


class _RequestIds:
    """32 hex digits: 16 random per process (drawn again in each forked worker), 16 counted.

    Unique across processes and hosts like a UUID4, without reading the kernel's random
    source on every request.
    """

    def __init__(self) -> None:
        self._reseed()
        os.register_at_fork(after_in_child=self._reseed)

    def _reseed(self) -> None:
        self._prefix = os.urandom(8).hex()
        self._counter = itertools.count(1)

    def next(self) -> str:
        """A new id (thread-safe: itertools.count is atomic under the GIL)."""
        return f"{self._prefix}{next(self._counter):016x}"


_ids = _RequestIds()
_STAMP = structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts")


def _add_request_id(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    if "request_id" not in event and has_request_context():
        request_id = request.environ.get(REQUEST_ID_KEY)
        if request_id:
            event["request_id"] = request_id
    return event


def _dumps(event: MutableMapping[str, Any], **_kwargs: Any) -> bytes:
    # pydantic-core's encoder: a third of the stdlib's time for a line; str() for the rest.
    return pydantic_core.to_json(event, fallback=str)


class _Output:
    """The logger structlog writes to (one, so one lock), and whether INFO lines are on."""

    logger = structlog.BytesLogger(sys.stdout.buffer)
    info = True


def configure_logging(level: str) -> None:
    """Render every structlog event as one JSON line on stdout, written at once."""
    out = structlog.BytesLogger(sys.stdout.buffer)
    _Output.logger = out
    _Output.info = logging.getLevelName(level) <= logging.INFO
    structlog.configure(
        processors=[
            _add_request_id,
            structlog.processors.add_log_level,
            _STAMP,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(_dumps),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=lambda *_args: out,
        cache_logger_on_first_use=True,
    )


class RequestLog:
    """WSGI middleware: echo a valid X-Request-ID or make one, and log one access line."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve the request with its id in the environ and the X-Request-ID header."""
        started = time.perf_counter()
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else _ids.next()
        environ[REQUEST_ID_KEY] = request_id
        status = ""

        def start(
            line: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            nonlocal status
            status = line
            headers.append(("X-Request-ID", request_id))
            return start_response(line, headers, exc_info)

        body = self.app(environ, start)
        if _Output.info:
            path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
            line = {
                "method": environ.get("REQUEST_METHOD"),
                "path": path or "/",
                "status": int(status[:3]) if status[:3].isdigit() else 0,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "request_id": request_id,
                "event": "request",
                "level": "info",
                "ts": datetime.now(UTC),  # pydantic-core writes it as _STAMP does: ISO 8601, Z
            }
            _Output.logger.msg(_dumps(line))
        return body


def init_app(app: Flask) -> None:
    """Wrap ``app`` in the request-id and access-log middleware (as Flask's docs do it)."""
    app.wsgi_app = RequestLog(app.wsgi_app)  # type: ignore[method-assign]  # the documented way
