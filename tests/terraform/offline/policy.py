"""aws_iam_policy_document rendered the way the AWS provider renders it during plan."""

from __future__ import annotations

import json
import zlib
from typing import Any

from tests.terraform.offline.cty import Value


def _one_or_many(values: list[str]) -> str | list[str]:
    # The provider writes a single item as a string and sorts several in reverse order.
    return values[0] if len(values) == 1 else sorted(values, reverse=True)


def _principals(blocks: list[dict[str, Value]] | None) -> Any:
    if not blocks:
        return None
    by_type: dict[str, list[str]] = {}
    for block in blocks:
        by_type.setdefault(block["type"], []).extend(block["identifiers"] or [])
    if list(by_type) == ["*"] and by_type["*"] == ["*"]:
        return "*"
    return {kind: _one_or_many(sorted(set(ids))) for kind, ids in sorted(by_type.items())}


def _conditions(blocks: list[dict[str, Value]] | None) -> Any:
    if not blocks:
        return None
    out: dict[str, dict[str, Any]] = {}
    for block in blocks:
        values = list(block["values"] or [])
        out.setdefault(block["test"], {})[block["variable"]] = (
            values[0] if len(values) == 1 else values
        )
    return out


def _statement(block: dict[str, Value]) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if block.get("sid"):
        statement["Sid"] = block["sid"]
    statement["Effect"] = block.get("effect") or "Allow"
    for key, attr in (("Action", "actions"), ("NotAction", "not_actions")):
        if block.get(attr):
            statement[key] = _one_or_many(list(block[attr]))
    for key, attr in (("Resource", "resources"), ("NotResource", "not_resources")):
        if block.get(attr):
            statement[key] = _one_or_many(list(block[attr]))
    for key, attr in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
        principal = _principals(block.get(attr))
        if principal is not None:
            statement[key] = principal
    condition = _conditions(block.get("condition"))
    if condition is not None:
        statement["Condition"] = condition
    return statement


def _merge(statements: list[dict[str, Any]], extra: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Statements of `extra` replace those with the same Sid and are appended otherwise."""
    merged = list(statements)
    for statement in extra:
        sid = statement.get("Sid")
        index = next((i for i, s in enumerate(merged) if sid and s.get("Sid") == sid), None)
        if index is None:
            merged.append(statement)
        else:
            merged[index] = statement
    return merged


def render(config: dict[str, Value]) -> dict[str, Value]:
    statements: list[dict[str, Any]] = []
    for source in config.get("source_policy_documents") or []:
        statements = _merge(statements, json.loads(source).get("Statement", []))
    statements = _merge(statements, [_statement(b) for b in config.get("statement") or []])
    for override in config.get("override_policy_documents") or []:
        statements = _merge(statements, json.loads(override).get("Statement", []))
    document: dict[str, Any] = {"Version": config.get("version") or "2012-10-17"}
    if config.get("policy_id"):
        document["Id"] = config["policy_id"]
    document["Statement"] = statements
    text = json.dumps(document, indent=2)
    return {
        **config,
        "json": text,
        "minified_json": json.dumps(document, separators=(",", ":")),
        "id": str(zlib.crc32(text.encode())),  # the provider's hashcode of the document
    }
