"""Responses serialised by pydantic-core in one pass.

APIFlask's ``@output`` validates a dict into the model, dumps it back to a dict and encodes
that with the stdlib ``json``; for a page of 100 items that is most of the view's CPU time.
A view on a hot path returns ``json_response(...)`` instead: APIFlask passes a ``Response``
through untouched, and its ``@output`` still documents the schema in /openapi.json.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from flask import Response
from pydantic import BaseModel, TypeAdapter


@cache
def _adapter(model: type[BaseModel]) -> TypeAdapter[Any]:
    return TypeAdapter(model)


def json_response(
    body: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A model as a JSON response, encoded straight from the model."""
    return Response(body.model_dump_json(), status, headers, mimetype="application/json")


def trusted_json_response(
    model: type[BaseModel],
    data: Mapping[str, Any],
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """``data`` encoded by ``model``'s serialiser, without validating it first.

    For data whose types the database already guarantees (rows of typed columns, shaped by
    our own code): validating a page of 100 of them again costs as much as encoding it.
    Fields are named and formatted exactly as ``json_response(model(**data))`` would;
    ``warnings=False`` because the serialiser is handed dicts where it expects models.
    """
    body = _adapter(model).dump_json(data, warnings=False)
    return Response(body, status, headers, mimetype="application/json")
