"""One JSON error envelope for every 4xx and 5xx: {"error": {"code", "message"}}."""

from __future__ import annotations

import re
from typing import Any

import psycopg
import structlog
from apiflask import APIFlask, HTTPError
from flask import Request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import HTTPException as WerkzeugHTTPException

log = structlog.get_logger("items_api")

VALIDATION_STATUS = 400

_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    500: "internal_error",
    503: "service_unavailable",
}


class JSONRequest(Request):
    """A request whose malformed JSON yields a clear 400."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        """Reject a body that is not valid JSON."""
        raise BadRequest("request body is not valid JSON")


def api_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> HTTPError:
    """An HTTPError carrying our error code."""
    return HTTPError(status, message, extra_data={"code": code}, headers=headers)


def _summarise(detail: dict[str, Any]) -> str:
    parts = []
    for location, fields in detail.items():
        if not isinstance(fields, dict):
            continue
        for field, messages in fields.items():
            where = location if field == "_schema" else field
            parts.append(f"{where}: {'; '.join(str(m) for m in messages)}")
    return ". ".join(parts) or "request is not valid"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "error"


def init_app(app: APIFlask) -> None:
    """Route every error through the envelope and map database outages to 503."""

    @app.error_processor
    def envelope(error: HTTPError) -> tuple[dict[str, Any], int, Any]:
        code = error.extra_data.get("code")
        message = error.message or "error"
        body: dict[str, Any] = {}
        if error.status_code == VALIDATION_STATUS and error.detail:
            code = code or "validation_error"
            message = _summarise(error.detail)
            body["details"] = error.detail
        if isinstance(error.detail, str) and error.detail and not code:
            message = error.detail
        body = {
            "code": code or _CODES.get(error.status_code) or _slug(message),
            "message": message,
            **body,
        }
        return {"error": body}, error.status_code, error.headers

    @app.errorhandler(WerkzeugHTTPException)
    def werkzeug_error(exc: WerkzeugHTTPException) -> Any:
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        custom = exc.description != type(exc).description and exc.description
        code = exc.code or 500
        return envelope(HTTPError(code, str(custom or exc.name), headers=headers))

    def unavailable(exc: Exception) -> Any:
        log.warning("database_unavailable", error=type(exc).__name__)
        return envelope(
            api_error(
                503,
                "database_unavailable",
                "the database is unavailable; retry shortly",
                {"Retry-After": "1"},
            )
        )

    # SQLAlchemy's errors (the pool, the schema check) and psycopg's (the hot paths' cursors).
    for exc_type in (
        OperationalError,
        InterfaceError,
        PoolTimeoutError,
        psycopg.OperationalError,
        psycopg.InterfaceError,
    ):
        app.register_error_handler(exc_type, unavailable)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.error("unhandled_exception", exc_info=exc)
        return envelope(api_error(500, "internal_error", "internal server error"))
