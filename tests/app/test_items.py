"""The items resource: CRUD, bad input, and one error envelope for every failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient


def _create(client: FlaskClient, name: str) -> dict[str, Any]:
    response = client.post("/items", json={"name": name})
    assert response.status_code == 201, response.json
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    return body


def test_post_creates_item_with_trimmed_name_and_utc_insert_time(client: FlaskClient) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    body = _create(client, "  widget  ")
    assert body["status"] == "created"
    item = body["item"]
    assert item["name"] == "widget"
    created = datetime.fromisoformat(item["created_at"])
    assert created.utcoffset() == timedelta(0)
    assert before <= created <= datetime.now(UTC) + timedelta(seconds=5)


def test_get_put_delete_round_trip(client: FlaskClient) -> None:
    item = _create(client, "first")["item"]
    assert client.get(f"/items/{item['id']}").json == item
    updated = client.put(f"/items/{item['id']}", json={"name": "second"})
    assert updated.status_code == 200
    assert updated.json == {"status": "updated", "item": {**item, "name": "second"}}
    deleted = client.delete(f"/items/{item['id']}")
    assert deleted.status_code == 204
    assert deleted.data == b""
    assert client.get(f"/items/{item['id']}").status_code == 404


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_missing_item_is_404_in_the_envelope(client: FlaskClient, method: str) -> None:
    response = getattr(client, method)("/items/999999999", json={"name": "x"})
    assert response.status_code == 404
    assert response.json == {
        "error": {"code": "not_found", "message": "item 999999999 does not exist"}
    }


@pytest.mark.parametrize("bad_id", ["abc", "0", "-1", "1.5", "9223372036854775808", "١٢"])
def test_bad_id_is_400(client: FlaskClient, bad_id: str) -> None:
    response = client.get(f"/items/{bad_id}")
    assert response.status_code == 400
    assert response.json is not None
    assert response.json["error"]["code"] == "invalid_id"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "name: Field required"),
        ({"name": ""}, "name: String should have at least 1 character"),
        ({"name": "   "}, "name: String should have at least 1 character"),
        ({"name": "x" * 256}, "name: String should have at most 255 characters"),
        ({"name": 42}, "name: Input should be a valid string"),
        ({"name": None}, "name: Input should be a valid string"),
        ({"name": "ok", "color": "red"}, "color: Extra inputs are not permitted"),
        ({"name": "a\x00b"}, "must not contain NUL"),
        ([{"name": "x"}], "Input should be a valid dictionary"),
    ],
)
def test_invalid_body_is_400_naming_the_field(
    client: FlaskClient, body: object, fragment: str
) -> None:
    for method in ("post", "put"):
        path = "/items" if method == "post" else "/items/1"
        response = getattr(client, method)(path, json=body)
        assert response.status_code == 400, response.json
        assert response.json["error"]["code"] == "validation_error"
        assert fragment in response.json["error"]["message"]


def test_name_of_255_characters_after_trimming_is_accepted(client: FlaskClient) -> None:
    assert _create(client, " " + "y" * 255 + " ")["item"]["name"] == "y" * 255


def test_malformed_json_is_400(client: FlaskClient) -> None:
    response = client.post("/items", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json == {
        "error": {"code": "bad_request", "message": "request body is not valid JSON"}
    }


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_non_json_body_is_415(client: FlaskClient, content_type: str | None) -> None:
    response = client.post("/items", data='{"name": "x"}', content_type=content_type)
    assert response.status_code == 415
    assert response.json is not None
    assert response.json["error"]["code"] == "unsupported_media_type"


def test_body_over_64_kib_is_413(client: FlaskClient) -> None:
    response = client.post(
        "/items", data='{"name": "' + "a" * 70_000 + '"}', content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json is not None
    assert response.json["error"]["code"] == "payload_too_large"


def test_unknown_path_and_method_use_the_envelope(client: FlaskClient) -> None:
    missing = client.get("/nope")
    assert missing.status_code == 404
    assert missing.json == {"error": {"code": "not_found", "message": "Not Found"}}
    wrong = client.patch("/items")
    assert wrong.status_code == 405
    assert wrong.json is not None
    assert wrong.json["error"]["code"] == "method_not_allowed"


def test_unhandled_exception_is_500_in_the_envelope_without_a_trace(app: Any) -> None:
    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def boom() -> None:
        raise RuntimeError("secret internals")

    app.view_functions["ops.health"], original = boom, app.view_functions["ops.health"]
    try:
        response = app.test_client().get("/health")
    finally:
        app.view_functions["ops.health"] = original
        app.config["TESTING"] = True
    assert response.status_code == 500
    assert response.json == {
        "error": {"code": "internal_error", "message": "internal server error"}
    }


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=abc", "limit=", "cursor=%%%"])
def test_bad_limit_or_cursor_is_400(client: FlaskClient, query: str) -> None:
    response = client.get(f"/items?{query}")
    assert response.status_code == 400
    assert response.json is not None
    assert response.json["error"]["code"] in {"validation_error", "invalid_cursor"}


def test_note_is_optional_stored_and_replaced_by_put(client: FlaskClient) -> None:
    """Revision 0002's nullable note: absent means null; PUT replaces it."""
    plain = _create(client, "plain")["item"]
    assert plain["note"] is None
    noted = client.post("/items", json={"name": "noted", "note": "fragile"}).json
    assert noted is not None
    item = noted["item"]
    assert item["note"] == "fragile"
    assert client.get(f"/items/{item['id']}").json == item
    replaced = client.put(f"/items/{item['id']}", json={"name": "noted"}).json
    assert replaced is not None
    assert replaced["item"]["note"] is None


def test_note_longer_than_1000_characters_is_400(client: FlaskClient) -> None:
    response = client.post("/items", json={"name": "x", "note": "n" * 1001})
    assert response.status_code == 400
    assert response.json is not None
    assert response.json["error"]["code"] == "validation_error"
