"""Opaque keyset cursors: (created_at, id) of the last item of a page."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime


class InvalidCursorError(ValueError):
    """The cursor was not produced by this service."""


def encode_cursor(created_at: datetime, item_id: int) -> str:
    """Encode the position after (created_at, id) as an opaque URL-safe string."""
    raw = f"{created_at.isoformat()}|{item_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Decode a cursor from encode_cursor; raise InvalidCursorError otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, ident = raw.partition("|")
        created_at = datetime.fromisoformat(stamp)
        item_id = int(ident)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursorError(
            "cursor is not valid; use next_cursor from a previous page"
        ) from exc
    if created_at.tzinfo is None or not 0 < item_id < 2**63:
        raise InvalidCursorError("cursor is not valid; use next_cursor from a previous page")
    return created_at, item_id
