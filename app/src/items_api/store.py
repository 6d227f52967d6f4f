"""Item persistence: short transactions, keyset pages, idempotent creation."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from items_api.models import IdempotencyKey, Item
from items_api.pagination import decode_cursor, encode_cursor

_COLUMNS = (Item.id, Item.name, Item.note, Item.created_at)


class IdempotencyKeyReusedError(Exception):
    """The key was first used with a different request."""


def as_dict(row: Row[int, str, str | None, datetime]) -> dict[str, Any]:
    """An item row as the API shows it."""
    return {"id": row.id, "name": row.name, "note": row.note, "created_at": row.created_at}


def list_page(session: Session, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page, newest first, starting after ``cursor``; its cost does not grow with the table."""
    query = select(*_COLUMNS).order_by(Item.created_at.desc(), Item.id.desc()).limit(limit + 1)
    if cursor:
        query = query.where(tuple_(Item.created_at, Item.id) < tuple_(*decode_cursor(cursor)))
    rows = session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = encode_cursor(last.created_at, last.id) if more and last else None
    return {"count": len(rows), "items": [as_dict(r) for r in rows], "next_cursor": next_cursor}


def get_item(session: Session, item_id: int) -> dict[str, Any] | None:
    """The item, or None."""
    row = session.execute(select(*_COLUMNS).where(Item.id == item_id)).first()
    return as_dict(row) if row else None


def create_item(
    session: Session, name: str, key: str | None, note: str | None = None
) -> tuple[dict[str, Any], bool]:
    """Create an item; with a key already used for the same request, replay its result.

    The key row is inserted first in the same transaction: a concurrent request with the
    same key waits on the unique index until we commit, then finds our stored response.
    Returns the response body and whether it is a replay.
    """
    fingerprint = hashlib.sha256(json.dumps({"name": name, "note": note}).encode()).hexdigest()
    if key is not None:
        claimed = session.execute(
            pg_insert(IdempotencyKey)
            .values(key=key, request_hash=fingerprint, status_code=0, response_body={})
            .on_conflict_do_nothing(index_elements=[IdempotencyKey.key])
            .returning(IdempotencyKey.key)
        ).scalar()
        if claimed is None:
            stored = session.execute(
                select(IdempotencyKey.request_hash, IdempotencyKey.response_body).where(
                    IdempotencyKey.key == key
                )
            ).one()
            session.rollback()
            if stored.request_hash != fingerprint:
                raise IdempotencyKeyReusedError(key)
            return stored.response_body, True
    row = session.execute(insert(Item).values(name=name, note=note).returning(*_COLUMNS)).one()
    item = as_dict(row)
    body = {"status": "created", "item": item}
    if key is not None:
        stored_body = {
            "status": "created",
            "item": {**item, "created_at": row.created_at.isoformat()},
        }
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == key)
            .values(status_code=201, response_body=stored_body)
        )
    session.commit()
    return body, False


def update_item(
    session: Session, item_id: int, name: str, note: str | None = None
) -> dict[str, Any] | None:
    """Replace the item's name and note; None when it does not exist."""
    row = session.execute(
        update(Item).where(Item.id == item_id).values(name=name, note=note).returning(*_COLUMNS)
    ).first()
    session.commit()
    return as_dict(row) if row else None


def delete_item(session: Session, item_id: int) -> bool:
    """Delete the item; False when it did not exist."""
    deleted = session.execute(delete(Item).where(Item.id == item_id).returning(Item.id)).first()
    session.commit()
    return deleted is not None
