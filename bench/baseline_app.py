"""The naive baseline the items API is measured against (written for the bench).

What a small team would write first: Flask, psycopg with raw SQL, one connection per worker
process opened at its first request, gunicorn's sync worker, Flask's own ``jsonify`` and no
logging, request IDs or statement timeout. Same routes and response shapes as the service,
so wrk drives both with the same requests:
``gunicorn --chdir bench -w 2 -k sync -b 127.0.0.1:PORT baseline_app:app`` with DATABASE_URL.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import psycopg
from flask import Flask, Response, jsonify, request
from psycopg.types.json import Jsonb

app = Flask(__name__)
_conn: psycopg.Connection[Any] | None = None

_INSERT = "INSERT INTO items (name, note) VALUES (%s, %s) RETURNING id, name, note, created_at"


def _db() -> psycopg.Connection[Any]:
    global _conn  # noqa: PLW0603 - one connection per worker process, as naive apps do
    if _conn is None or _conn.closed:
        _conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return _conn


def _item(row: tuple[Any, ...]) -> dict[str, Any]:
    return {"id": row[0], "name": row[1], "note": row[2], "created_at": row[3].isoformat()}


@app.get("/health")
def health() -> Response:
    return jsonify(status="healthy", service="baseline", version="0", deployment="bench")


@app.get("/items/<int:item_id>")
def get_item(item_id: int) -> Any:
    sql = "SELECT id, name, note, created_at FROM items WHERE id = %s"
    row = _db().execute(sql, (item_id,)).fetchone()
    if row is None:
        return jsonify(error={"code": "not_found", "message": "no such item"}), 404
    return jsonify(_item(row))


@app.get("/items")
def list_items() -> Response:
    limit = min(max(int(request.args.get("limit", 100)), 1), 1000)
    rows = (
        _db()
        .execute(
            "SELECT id, name, note, created_at FROM items "
            "ORDER BY created_at DESC, id DESC LIMIT %s",
            (limit,),
        )
        .fetchall()
    )
    return jsonify(count=len(rows), items=[_item(r) for r in rows], next_cursor=None)


@app.post("/items")
def create_item() -> Any:
    body = request.get_json()
    name, note = body["name"], body.get("note")
    key = request.headers.get("Idempotency-Key")
    conn = _db()
    if key is None:
        row = conn.execute(_INSERT, (name, note)).fetchone()
        assert row is not None
        return jsonify(status="created", item=_item(row)), 201
    fingerprint = hashlib.sha256(json.dumps({"name": name, "note": note}).encode()).hexdigest()
    with conn.transaction():
        claimed = conn.execute(
            "INSERT INTO idempotency_keys (key, request_hash, status_code, response_body) "
            "VALUES (%s, %s, 0, '{}') ON CONFLICT (key) DO NOTHING RETURNING key",
            (key, fingerprint),
        ).fetchone()
        if claimed is None:
            stored = conn.execute(
                "SELECT request_hash, response_body FROM idempotency_keys WHERE key = %s", (key,)
            ).fetchone()
            assert stored is not None
            if stored[0] != fingerprint:
                return jsonify(error={"code": "idempotency_key_reused", "message": key}), 422
            return jsonify(stored[1]), 201
        row = conn.execute(_INSERT, (name, note)).fetchone()
        assert row is not None
        result = {"status": "created", "item": _item(row)}
        conn.execute(
            "UPDATE idempotency_keys SET status_code = 201, response_body = %s WHERE key = %s",
            (Jsonb(result), key),
        )
    return jsonify(result), 201
