"""Index, liveness, readiness, database check, OpenAPI, request ids."""

from __future__ import annotations

import os
from typing import Any

from flask.testing import FlaskClient
from items_api import create_app
from items_api.config import load_settings

from tests.conftest import DatabaseFactory


def test_health_reports_version_and_colour_from_settings(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {
        "status": "healthy",
        "service": "items-api",
        "version": "9.9.9",
        "deployment": "blue",
    }


def test_index_names_the_service_and_links(client: FlaskClient) -> None:
    body = client.get("/").json
    assert body is not None
    assert body["version"] == "9.9.9"
    assert body["links"]["items"] == "/items"


def test_ready_is_200_when_schema_is_at_head(client: FlaskClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json is not None
    assert response.json["status"] == "ready"


def test_ready_is_503_with_reason_on_an_unmigrated_database(
    database_factory: DatabaseFactory,
) -> None:
    app = create_app(load_settings(database_url=database_factory()))
    response = app.test_client().get("/ready")
    assert response.status_code == 503
    assert response.json == {
        "error": {
            "code": "schema_not_ready",
            "message": "database schema is not migrated (no alembic_version table)",
        }
    }


def test_ready_and_db_check_are_503_when_database_is_unreachable() -> None:
    from tests.conftest import free_port  # noqa: PLC0415

    url = f"postgresql://nobody:secret-pw@127.0.0.1:{free_port()}/nothing"
    client = create_app(load_settings(database_url=url, db_connect_timeout_s=1)).test_client()
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.json is not None
    assert ready.json["error"]["code"] == "database_unavailable"
    check = client.get("/db-check")
    assert check.status_code == 503
    assert check.headers["Retry-After"] == "1"
    assert "secret-pw" not in check.get_data(as_text=True)


def test_db_check_reports_postgresql_version(client: FlaskClient) -> None:
    response = client.get("/db-check")
    assert response.status_code == 200
    body: Any = response.json
    assert body["status"] == "connected"
    assert body["database"] == "postgresql"
    assert body["version"].startswith("PostgreSQL ")


def test_request_id_is_echoed_or_generated(client: FlaskClient) -> None:
    assert (
        client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
        == "abc-123"
    )
    generated = client.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    assert len(generated.headers["X-Request-ID"]) == 32


def test_generated_request_ids_differ_per_request_and_per_forked_worker(
    client: FlaskClient,
) -> None:
    ids = {client.get("/health").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a gunicorn worker is forked from the master the same way
        os.write(write, client.get("/health").headers["X-Request-ID"].encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    os.close(read)
    os.close(write)
    assert len(child) == 32
    assert all(child[:16] != parent[:16] for parent in ids)


def test_openapi_documents_every_route_and_its_errors(app: Any, client: FlaskClient) -> None:
    spec: Any = client.get("/openapi.json").json
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in {"static", "openapi.spec", "openapi.docs"} or rule.rule.startswith(
            "/docs"
        ):
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, (path, method)
    post = spec["paths"]["/items"]["post"]
    assert {"201", "400", "413", "415", "422", "default"} <= set(post["responses"])
    assert any(p["name"].lower() == "idempotency-key" for p in post["parameters"])
    assert {"400", "404"} <= set(spec["paths"]["/items/{item_id}"]["get"]["responses"])
    error = spec["components"]["schemas"]["HTTPError"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
