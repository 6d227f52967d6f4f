"""Item persistence: one statement, one round trip per request; keyset pages; idempotency.

Statements are SQLAlchemy Core on the typed models, compiled once at import into SQL for
psycopg (see ``Database.cursor``); psycopg prepares each on a connection's fifth use.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.sql import ClauseElement

from items_api.db import Database
from items_api.models import IdempotencyKey, Item
from items_api.pagination import decode_cursor, encode_cursor

_COLUMNS = (Item.id, Item.name, Item.note, Item.created_at)
_NEWEST_FIRST = (Item.created_at.desc(), Item.id.desc())
_DIALECT = psycopg_dialect()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it untyped


class IdempotencyKeyReusedError(Exception):
    """The key was first used with a different request."""


def _sql(statement: ClauseElement) -> str:
    """SQL text with named ``%(param)s`` placeholders, compiled once for psycopg."""
    return str(statement.compile(dialect=_DIALECT))


_first_page = select(*_COLUMNS).order_by(*_NEWEST_FIRST).limit(bindparam("limit"))
_FIRST_PAGE = _sql(_first_page)
_NEXT_PAGE = _sql(
    _first_page.where(
        tuple_(Item.created_at, Item.id) < tuple_(bindparam("after_at"), bindparam("after_id"))
    )
)
_GET = _sql(select(*_COLUMNS).where(Item.id == bindparam("item_id")))
_INSERT = _sql(
    insert(Item)
    .values(name=bindparam("item_name"), note=bindparam("item_note"))
    .returning(*_COLUMNS)
)
_UPDATE = _sql(
    update(Item)
    .where(Item.id == bindparam("item_id"))
    .values(name=bindparam("item_name"), note=bindparam("item_note"))
    .returning(*_COLUMNS)
)
_DELETE = _sql(delete(Item).where(Item.id == bindparam("item_id")).returning(Item.id))
_STORED = _sql(
    select(IdempotencyKey.request_hash, IdempotencyKey.response_body).where(
        IdempotencyKey.key == bindparam("key")
    )
)
# Claim the key and create the item in one statement, so in one implicit transaction: the
# item's id and time are drawn first, the key row is stored with the whole response, and the
# item is inserted only if the key was new. A concurrent request with the same key waits on
# the key's unique index until this one commits, then claims nothing and replays the row.
_INSERT_KEYED = """
WITH new AS (
    SELECT nextval(pg_get_serial_sequence('items', 'id')) AS id, now() AS created_at
), claimed AS (
    INSERT INTO idempotency_keys (key, request_hash, status_code, response_body)
    SELECT %(key)s, %(request_hash)s, 201, jsonb_build_object(
        'status', 'created',
        'item', jsonb_build_object(
            'id', new.id, 'name', %(item_name)s::text, 'note', %(item_note)s::text,
            'created_at', new.created_at))
    FROM new
    ON CONFLICT (key) DO NOTHING
    RETURNING key
)
INSERT INTO items (id, name, note, created_at)
SELECT new.id, %(item_name)s, %(item_note)s, new.created_at FROM new
WHERE EXISTS (SELECT FROM claimed)
RETURNING id, name, note, created_at
"""


def as_dict(row: tuple[int, str, str | None, datetime]) -> dict[str, Any]:
    """An item row as the API shows it."""
    item_id, name, note, created_at = row
    return {"id": item_id, "name": name, "note": note, "created_at": created_at}


def list_page(db: Database, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page, newest first, starting after ``cursor``; its cost does not grow with the table."""
    if cursor:
        after_at, after_id = decode_cursor(cursor)
        sql, params = _NEXT_PAGE, {"limit": limit + 1, "after_at": after_at, "after_id": after_id}
    else:
        sql, params = _FIRST_PAGE, {"limit": limit + 1}
    with db.cursor() as cur:
        rows = cur.execute(sql, params).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1][3], rows[-1][0]) if more and rows else None
    return {"count": len(rows), "items": [as_dict(r) for r in rows], "next_cursor": next_cursor}


def get_item(db: Database, item_id: int) -> dict[str, Any] | None:
    """The item, or None."""
    with db.cursor() as cur:
        row = cur.execute(_GET, {"item_id": item_id}).fetchone()
    return as_dict(row) if row else None


def create_item(
    db: Database, name: str, key: str | None, note: str | None = None
) -> tuple[dict[str, Any], bool]:
    """Create an item; with a key already used for the same request, replay its result.

    One statement either way (a second one only to read the stored result of a replay).
    Returns the response body and whether it is a replay.
    """
    values = {"item_name": name, "item_note": note}
    if key is None:
        with db.cursor() as cur:
            row = cur.execute(_INSERT, values).fetchone()
        if row is None:
            raise RuntimeError("INSERT ... RETURNING returned no row")
        return {"status": "created", "item": as_dict(row)}, False
    # The same fingerprint as every earlier release, so their stored keys still match.
    fingerprint = hashlib.sha256(json.dumps({"name": name, "note": note}).encode()).hexdigest()
    with db.cursor() as cur:
        row = cur.execute(
            _INSERT_KEYED, {**values, "key": key, "request_hash": fingerprint}
        ).fetchone()
        if row is not None:
            return {"status": "created", "item": as_dict(row)}, False
        stored = cur.execute(_STORED, {"key": key}).fetchone()
    if stored is None:
        raise RuntimeError(f"Idempotency-Key {key!r} conflicted but has no stored row")
    request_hash, response_body = stored
    if request_hash != fingerprint:
        raise IdempotencyKeyReusedError(key)
    replay: dict[str, Any] = response_body
    return replay, True


def update_item(
    db: Database, item_id: int, name: str, note: str | None = None
) -> dict[str, Any] | None:
    """Replace the item's name and note; None when it does not exist."""
    with db.cursor() as cur:
        row = cur.execute(
            _UPDATE, {"item_id": item_id, "item_name": name, "item_note": note}
        ).fetchone()
    return as_dict(row) if row else None


def delete_item(db: Database, item_id: int) -> bool:
    """Delete the item; False when it did not exist."""
    with db.cursor() as cur:
        deleted = cur.execute(_DELETE, {"item_id": item_id}).fetchone()
    return deleted is not None
