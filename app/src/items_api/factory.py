"""The app factory: `create_app()` builds the Flask app, its database and its blueprints."""

from __future__ import annotations

from typing import Any

from apiflask import APIFlask

from items_api import db, errors, logs
from items_api.config import Settings, load_settings
from items_api.schemas import ERROR_SCHEMA, IDEMPOTENCY_KEY_PARAMETER

MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None) -> APIFlask:
    """Build the app from ``settings`` (default: the environment); raises ConfigError."""
    settings = settings or load_settings()
    logs.configure_logging(settings.log_level)
    app = APIFlask(
        "items_api",  # the package: Flask's root path and logger name
        title="Items API",
        version=settings.app_version,
        spec_path="/openapi.json",
        docs_path="/docs",
    )
    app.request_class = errors.JSONRequest
    app.config.update(
        SETTINGS=settings,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        VALIDATION_ERROR_STATUS_CODE=errors.VALIDATION_STATUS,
        VALIDATION_ERROR_DESCRIPTION="Invalid input",
        VALIDATION_ERROR_SCHEMA=ERROR_SCHEMA,
        HTTP_ERROR_SCHEMA=ERROR_SCHEMA,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]  # DefaultJSONProvider has it
    db.init_app(app, settings)
    logs.init_app(app)
    errors.init_app(app)

    from items_api.api import items, ops  # noqa: PLC0415 - blueprints import the app's modules

    app.register_blueprint(ops.bp)
    app.register_blueprint(items.bp)

    @app.spec_processor
    def _complete_spec(spec: dict[str, Any] | str) -> dict[str, Any] | str:
        if isinstance(spec, str):
            return spec
        create = spec.get("paths", {}).get("/items", {}).get("post")
        if create is not None:  # the header api/items.py reads itself
            create.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
        for path in spec.get("paths", {}).values():
            for operation in path.values():
                operation.setdefault("responses", {}).setdefault(
                    "default",
                    {
                        "description": "Unexpected error (same envelope)",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/HTTPError"}
                            }
                        },
                    },
                )
        return spec

    logs.log.info(
        "app_created",
        service=settings.service_name,
        version=settings.app_version,
        deployment=settings.deployment_color,
        database=settings.sqlalchemy_url.render_as_string(hide_password=True),
    )
    return app
