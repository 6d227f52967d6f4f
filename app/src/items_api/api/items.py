"""The items resource."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import Response, request

from items_api import store
from items_api.db import database
from items_api.errors import api_error
from items_api.pagination import InvalidCursorError
from items_api.responses import json_response, trusted_json_response
from items_api.schemas import (
    IDEMPOTENCY_KEY,
    ItemCreated,
    ItemIn,
    ItemOut,
    ItemPage,
    ItemUpdated,
    ListQuery,
)

bp = APIBlueprint("items", __name__, tag="Items")

_MAX_ID = 2**63 - 1
_BODY_ERRORS = {
    400: "Malformed JSON or invalid fields",
    413: "Body larger than 64 KiB",
    415: "Body is not JSON",
    503: "The database is unavailable",
}


@bp.before_request
def _require_json() -> None:
    if request.method in {"POST", "PUT"} and not request.is_json:
        raise api_error(415, "unsupported_media_type", "send the body as application/json")


def _parse_id(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= _MAX_ID):
        raise api_error(400, "invalid_id", f"item id must be a positive integer, got {raw[:40]!r}")
    return int(raw)


def _idempotency_key() -> str | None:
    # Read here rather than by @bp.input(location="headers"), which builds and validates a
    # model of every request header on each POST (seen in py-spy). The OpenAPI spec still
    # documents it (the factory's spec processor).
    key = request.headers.get("Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        raise api_error(
            400,
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 255 visible ASCII characters (no spaces)",
        )
    return key


def _not_found(item_id: int) -> Exception:
    return api_error(404, "not_found", f"item {item_id} does not exist")


@bp.get("/items")
@bp.input(ListQuery, location="query", arg_name="query")
@bp.output(ItemPage)
@bp.doc(responses={400: "Invalid limit or cursor", 503: "The database is unavailable"})
def list_items(query: ListQuery) -> Response:
    """A page of items, newest first; follow next_cursor for the next one."""
    try:
        page = store.list_page(database(), query.limit, query.cursor)
    except InvalidCursorError as exc:
        raise api_error(400, "invalid_cursor", str(exc)) from None
    return trusted_json_response(ItemPage, page)


@bp.post("/items")
@bp.input(ItemIn, location="json", arg_name="body")
@bp.output(ItemCreated, status_code=201)
@bp.doc(responses={**_BODY_ERRORS, 422: "Idempotency-Key reused with a different body"})
def create_item(body: ItemIn) -> Response:
    """Create an item; a retry with the same Idempotency-Key replays the first result."""
    try:
        result, replayed = store.create_item(database(), body.name, _idempotency_key(), body.note)
    except store.IdempotencyKeyReusedError:
        raise api_error(
            422, "idempotency_key_reused", "Idempotency-Key was used with a different body"
        ) from None
    if replayed:  # stored as JSON: validated back into the model, then encoded as the first
        return json_response(
            ItemCreated.model_validate(result), 201, {"Idempotent-Replayed": "true"}
        )
    return trusted_json_response(ItemCreated, result, 201, {"Idempotent-Replayed": "false"})


@bp.get("/items/<item_id>")
@bp.output(ItemOut)
@bp.doc(responses={400: "Invalid id", 404: "No such item", 503: "The database is unavailable"})
def get_item(item_id: str) -> Response:
    """One item."""
    ident = _parse_id(item_id)
    item = store.get_item(database(), ident) or _raise(_not_found(ident))
    return trusted_json_response(ItemOut, item)


@bp.put("/items/<item_id>")
@bp.input(ItemIn, location="json", arg_name="body")
@bp.output(ItemUpdated)
@bp.doc(responses={**_BODY_ERRORS, 404: "No such item"})
def update_item(item_id: str, body: ItemIn) -> Response:
    """Replace an item's name and note."""
    ident = _parse_id(item_id)
    item = store.update_item(database(), ident, body.name, body.note) or _raise(_not_found(ident))
    return trusted_json_response(ItemUpdated, {"status": "updated", "item": item})


@bp.delete("/items/<item_id>")
@bp.output({}, status_code=204)
@bp.doc(responses={400: "Invalid id", 404: "No such item", 503: "The database is unavailable"})
def delete_item(item_id: str) -> tuple[str, int]:
    """Delete an item."""
    ident = _parse_id(item_id)
    if not store.delete_item(database(), ident):
        raise _not_found(ident)
    return "", 204


def _raise(exc: Exception) -> Any:
    raise exc
