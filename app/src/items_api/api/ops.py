"""Operational endpoints: index, liveness, readiness, database check."""

from __future__ import annotations

from functools import cache
from typing import Any

from apiflask import APIBlueprint
from flask import Response, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from items_api.config import Settings
from items_api.db import database, schema_problem
from items_api.errors import api_error
from items_api.lifecycle import is_shutting_down
from items_api.schemas import DbCheck, Health, Index, Ready

bp = APIBlueprint("ops", __name__, tag="Operations")


def _settings() -> Settings:
    settings: Settings = current_app.config["SETTINGS"]
    return settings


@bp.get("/")
@bp.output(Index)
def index() -> dict[str, Any]:
    """Service name, version, colour and links."""
    s = _settings()
    links = {"health": "/health", "ready": "/ready", "items": "/items", "openapi": "/openapi.json"}
    return {
        "service": s.service_name,
        "version": s.app_version,
        "deployment": s.deployment_color,
        "links": links,
    }


@cache
def _health_body(service: str, version: str, deployment: str) -> bytes:
    body = Health(status="healthy", service=service, version=version, deployment=deployment)
    return body.model_dump_json().encode()


@bp.get("/health")
@bp.output(Health)
def health() -> Response:
    """Liveness; never touches the database. The body is encoded once: it never changes."""
    s = _settings()
    body = _health_body(s.service_name, s.app_version, s.deployment_color)
    return Response(body, mimetype="application/json")


@bp.get("/ready")
@bp.output(Ready)
@bp.doc(responses={503: "Not ready: shutting down, database unreachable or schema behind"})
def ready() -> dict[str, Any]:
    """Readiness: 200 when the database answers and its schema serves this release."""
    if is_shutting_down():
        raise api_error(503, "shutting_down", "shutdown has begun")
    try:
        problem = schema_problem(database())
    except SQLAlchemyError:
        raise api_error(503, "database_unavailable", "the database does not answer") from None
    if problem:
        raise api_error(503, "schema_not_ready", problem)
    s = _settings()
    return {
        "status": "ready",
        "version": s.app_version,
        "deployment": s.deployment_color,
        "schema_revision": database().head,
    }


@bp.get("/db-check")
@bp.output(DbCheck)
@bp.doc(responses={503: "The database is unreachable"})
def db_check() -> dict[str, Any]:
    """Database connectivity and server version."""
    with database().connect() as conn:
        version = conn.execute(text("SELECT version()")).scalar_one()
    return {"status": "connected", "database": "postgresql", "version": version}
