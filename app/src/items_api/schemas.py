"""Request and response models; APIFlask validates with them and documents them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
    AfterValidator(_storable),
]


Note = Annotated[str, StringConstraints(max_length=1000), AfterValidator(_storable)]


class ItemIn(BaseModel):
    """Body of POST and PUT /items."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="1 to 255 characters after trimming", examples=["widget"])
    note: Note | None = Field(default=None, description="Optional, up to 1000 characters.")


# POST /items's Idempotency-Key header. The view reads it itself (see api/items.py) and the
# factory's spec processor documents it with this parameter.
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")
IDEMPOTENCY_KEY_PARAMETER: dict[str, object] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Retries with the same key return the first result and create nothing.",
    "schema": {"type": "string", "pattern": f"^{IDEMPOTENCY_KEY.pattern}$"},
}


class ListQuery(BaseModel):
    """Query of GET /items."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=100, ge=1, le=1000, description="Items per page.")
    cursor: str | None = Field(
        default=None, max_length=200, description="next_cursor from the previous page."
    )


class ItemOut(BaseModel):
    """An item."""

    id: int
    name: str
    note: str | None = Field(default=None, description="Optional note (since 2.0.0).")
    created_at: datetime = Field(description="Insert time, UTC.")


class ItemPage(BaseModel):
    """A page of items, newest first."""

    count: int = Field(description="Items in this page.")
    items: list[ItemOut]
    next_cursor: str | None = Field(description="Cursor of the next page; null on the last.")


class ItemCreated(BaseModel):
    """Result of POST /items."""

    status: Literal["created"]
    item: ItemOut


class ItemUpdated(BaseModel):
    """Result of PUT /items/{item_id}."""

    status: Literal["updated"]
    item: ItemOut


class Health(BaseModel):
    """Liveness: the process answers."""

    status: Literal["healthy"]
    service: str
    version: str
    deployment: str


class Ready(BaseModel):
    """Readiness: the database answers and its schema serves this release."""

    status: Literal["ready"]
    version: str
    deployment: str
    schema_revision: str


class DbCheck(BaseModel):
    """Database connectivity."""

    status: Literal["connected"]
    database: Literal["postgresql"]
    version: str


class Index(BaseModel):
    """What this service is and where to go next."""

    service: str
    version: str
    deployment: str
    links: dict[str, str]


ERROR_SCHEMA: dict[str, object] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["not_found"]},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
        }
    },
}
