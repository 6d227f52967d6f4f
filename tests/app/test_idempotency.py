"""Idempotency-Key on POST /items: retries replay the first result and create nothing."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text


def _post(client: FlaskClient, key: str, name: str) -> Any:
    return client.post("/items", json={"name": name}, headers={"Idempotency-Key": key})


def test_retry_with_same_key_replays_first_result(client: FlaskClient) -> None:
    key = str(uuid.uuid4())
    first = _post(client, key, "once")
    second = _post(client, key, "  once ")  # same request after trimming
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert first.headers["Idempotent-Replayed"] == "false"
    assert second.headers["Idempotent-Replayed"] == "true"


def test_same_key_with_different_body_is_422(client: FlaskClient) -> None:
    key = str(uuid.uuid4())
    _post(client, key, "one")
    response = _post(client, key, "two")
    assert response.status_code == 422
    assert response.json is not None
    assert response.json["error"]["code"] == "idempotency_key_reused"


def test_invalid_key_is_400_and_creates_nothing(client: FlaskClient) -> None:
    before = client.get("/items?limit=1").json
    for bad in ("x" * 256, "has space", "caf\u00e9"):
        response = client.post(
            "/items",
            json={"name": "never"},
            headers={"Idempotency-Key": bad.encode().decode("latin-1")},
        )
        assert response.status_code == 400, bad
        assert response.json is not None
        assert response.json["error"]["code"] == "invalid_idempotency_key"
    assert client.get("/items?limit=1").json == before


def test_keys_of_1_and_255_visible_characters_are_accepted(client: FlaskClient) -> None:
    for key in ("k", "~" * 255):
        assert _post(client, key, f"edge-{len(key)}").status_code == 201


def test_concurrent_requests_with_one_key_create_one_item(
    gunicorn_factory: Any, migrated_url: str
) -> None:
    server = gunicorn_factory(migrated_url)
    key = str(uuid.uuid4())

    def post(_: int) -> tuple[int, Any]:
        r = httpx.post(
            f"{server.base_url}/items",
            json={"name": "race"},
            headers={"Idempotency-Key": key},
            timeout=10,
        )
        return r.status_code, r.json()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(post, range(16)))
    assert {status for status, _ in results} == {201}
    assert len({body["item"]["id"] for _, body in results}) == 1
    engine = create_engine(migrated_url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM items WHERE name = 'race'")).scalar()
    engine.dispose()
    assert count == 1
