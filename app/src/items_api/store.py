"""Item persistence: one statement per call where possible, keyset pages, idempotent creation."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from items_api.db import Database
from items_api.models import IdempotencyKey, Item
from items_api.pagination import decode_cursor, encode_cursor

_COLUMNS = (Item.id, Item.name, Item.note, Item.created_at)
_NEWEST_FIRST = (Item.created_at.desc(), Item.id.desc())


class IdempotencyKeyReusedError(Exception):
    """The key was first used with a different request."""


# Built once: a page query is then a cache lookup and one round trip (psycopg prepares it).
_FIRST_PAGE = select(*_COLUMNS).order_by(*_NEWEST_FIRST).limit(bindparam("limit"))
_NEXT_PAGE = _FIRST_PAGE.where(
    tuple_(Item.created_at, Item.id) < tuple_(bindparam("after_at"), bindparam("after_id"))
)
_INSERT = insert(Item).returning(*_COLUMNS)


def as_dict(row: Row[int, str, str | None, datetime]) -> dict[str, Any]:
    """An item row as the API shows it."""
    item_id, name, note, created_at = row
    return {"id": item_id, "name": name, "note": note, "created_at": created_at}


def list_page(db: Database, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page, newest first, starting after ``cursor``; its cost does not grow with the table."""
    with db.connect() as conn:
        if cursor:
            after_at, after_id = decode_cursor(cursor)
            params = {"limit": limit + 1, "after_at": after_at, "after_id": after_id}
            rows = conn.execute(_NEXT_PAGE, params).all()
        else:
            rows = conn.execute(_FIRST_PAGE, {"limit": limit + 1}).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = encode_cursor(last.created_at, last.id) if more and last else None
    return {"count": len(rows), "items": [as_dict(r) for r in rows], "next_cursor": next_cursor}


def get_item(db: Database, item_id: int) -> dict[str, Any] | None:
    """The item, or None."""
    with db.connect() as conn:
        row = conn.execute(select(*_COLUMNS).where(Item.id == item_id)).first()
    return as_dict(row) if row else None


def create_item(
    db: Database, name: str, key: str | None, note: str | None = None
) -> tuple[dict[str, Any], bool]:
    """Create an item; with a key already used for the same request, replay its result.

    Without a key this is one INSERT. With one, the key row is inserted first in the same
    transaction: a concurrent request with the same key waits on the unique index until we
    commit, then finds our stored response. Returns the response body and whether it is a replay.
    """
    values = {"name": name, "note": note}
    if key is None:
        with db.connect() as conn:
            row = conn.execute(_INSERT, values).one()
        return {"status": "created", "item": as_dict(row)}, False
    fingerprint = hashlib.sha256(json.dumps(values).encode()).hexdigest()
    with db.begin() as conn:
        claimed = conn.execute(
            pg_insert(IdempotencyKey)
            .values(key=key, request_hash=fingerprint, status_code=0, response_body={})
            .on_conflict_do_nothing(index_elements=[IdempotencyKey.key])
            .returning(IdempotencyKey.key)
        ).scalar()
        if claimed is None:
            stored = conn.execute(
                select(IdempotencyKey.request_hash, IdempotencyKey.response_body).where(
                    IdempotencyKey.key == key
                )
            ).one()
            if stored.request_hash != fingerprint:
                raise IdempotencyKeyReusedError(key)
            replay: dict[str, Any] = stored.response_body
            return replay, True
        row = conn.execute(_INSERT, values).one()
        item = as_dict(row)
        stored_body = {
            "status": "created",
            "item": {**item, "created_at": row.created_at.isoformat()},
        }
        conn.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == key)
            .values(status_code=201, response_body=stored_body)
        )
    return {"status": "created", "item": item}, False


def update_item(
    db: Database, item_id: int, name: str, note: str | None = None
) -> dict[str, Any] | None:
    """Replace the item's name and note; None when it does not exist."""
    with db.connect() as conn:
        row = conn.execute(
            update(Item).where(Item.id == item_id).values(name=name, note=note).returning(*_COLUMNS)
        ).first()
    return as_dict(row) if row else None


def delete_item(db: Database, item_id: int) -> bool:
    """Delete the item; False when it did not exist."""
    with db.connect() as conn:
        deleted = conn.execute(delete(Item).where(Item.id == item_id).returning(Item.id)).first()
    return deleted is not None
