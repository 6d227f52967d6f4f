"""JSON logs on stdout via structlog, and one access line per request.

Each event is rendered to bytes and written with one write() (structlog's BytesLogger):
with PYTHONUNBUFFERED, as in the image, a text logger's print() costs two writes per line.
A request's id reaches every line logged while it runs through Flask's ``g`` (no context
variables to bind and clear on each request).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import sys
import time
from collections.abc import MutableMapping
from typing import Any

import structlog
from flask import Flask, Response, g, has_request_context, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

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


def _add_request_id(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    if "request_id" not in event and has_request_context():
        request_id = g.get("request_id")
        if request_id:
            event["request_id"] = request_id
    return event


def _dumps(event: dict[str, Any], **kwargs: Any) -> bytes:
    return json.dumps(event, **kwargs).encode()


def configure_logging(level: str) -> None:
    """Render every structlog event as one JSON line on stdout, written at once."""
    structlog.configure(
        processors=[
            _add_request_id,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(_dumps, default=str),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.BytesLoggerFactory(file=sys.stdout.buffer),
        cache_logger_on_first_use=True,
    )


def init_app(app: Flask) -> None:
    """Echo or generate X-Request-ID and log one access line per request."""

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else _ids.next()
        g.started = time.perf_counter()

    @app.after_request
    def _access(response: Response) -> Response:
        request_id = g.get("request_id") or _ids.next()
        response.headers["X-Request-ID"] = request_id
        started = g.get("started")
        duration_ms = (time.perf_counter() - started) * 1000 if started else 0.0
        log.info(
            "request",
            method=request.method,
            path=request.path,
            status=response.status_code,
            duration_ms=round(duration_ms, 2),
            request_id=request_id,
        )
        return response
