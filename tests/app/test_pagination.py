"""Keyset pagination over 10,000 rows: every row once, newest first, pages of stable cost."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from flask.testing import FlaskClient
from items_api import create_app
from items_api.config import load_settings
from sqlalchemy.engine import make_url

from tests.app.conftest import migrate
from tests.conftest import DatabaseFactory

ROWS = 10_000


@pytest.fixture(scope="module")
def big_client(database_factory: DatabaseFactory) -> FlaskClient:
    """A client on a database holding 10,000 items, many sharing a created_at."""
    url = database_factory()
    migrate(url)
    u = make_url(url)
    with (
        psycopg.connect(
            host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database
        ) as conn,
        conn.cursor() as cur,
        cur.copy("COPY items (name, created_at) FROM STDIN") as copy,
    ):
        for i in range(ROWS):
            # 100 items per timestamp: ties must be broken by id, not skipped or repeated
            copy.write_row((f"item-{i}", f"2026-01-01 00:00:{i // 100 % 60:02d}+00"))
    client: FlaskClient = create_app(load_settings(database_url=url)).test_client()
    return client


def test_walking_all_pages_returns_every_row_once_newest_first(big_client: FlaskClient) -> None:
    seen: list[tuple[str, int]] = []
    cursor: str | None = None
    pages = 0
    while True:
        url = "/items?limit=1000" + (f"&cursor={cursor}" if cursor else "")
        body: Any = big_client.get(url).json
        pages += 1
        assert body["count"] == len(body["items"])
        seen.extend((item["created_at"], item["id"]) for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 10
    assert len(seen) == ROWS
    assert len(set(seen)) == ROWS
    assert seen == sorted(seen, reverse=True)


def test_default_page_is_100_items(big_client: FlaskClient) -> None:
    body: Any = big_client.get("/items").json
    assert body["count"] == 100
    assert body["next_cursor"]


def test_page_query_uses_the_index_not_a_scan(big_client: FlaskClient) -> None:
    from items_api.db import database  # noqa: PLC0415

    app: Any = big_client.application
    with app.app_context():
        engine = database().engine
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE items")
            plan = "\n".join(
                row[0]
                for row in conn.exec_driver_sql(
                    "EXPLAIN SELECT id, name, created_at FROM items "
                    "WHERE (created_at, id) < ('2026-01-01 00:00:30+00', 5000) "
                    "ORDER BY created_at DESC, id DESC LIMIT 101"
                )
            )
    assert "Index Scan Backward using ix_items_created_at_id" in plan
    assert "Sort" not in plan
