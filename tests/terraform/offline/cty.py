"""Terraform values on the wire: cty's msgpack encoding, unknowns, and walking a schema.

Terraform sends and expects object values as msgpack maps (attribute -> value), lists and sets
as arrays, and an unknown value as msgpack extension 0 (`d4 00 00`). A refined unknown (Terraform
1.6+: "not null", a string prefix) is extension 12; both are kept as they came.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgpack

Value = Any  # None (null), bool, int, float, str, list, dict, or msgpack.ExtType (unknown)
Block = dict[str, Any]  # a schema block in `terraform providers schema -json` form

UNKNOWN = msgpack.ExtType(0, b"\x00")
_UNKNOWN_CODES = {0, 12}


def is_unknown(value: Value) -> bool:
    return isinstance(value, msgpack.ExtType) and value.code in _UNKNOWN_CODES


def is_wholly_known(value: Value) -> bool:
    if is_unknown(value):
        return False
    if isinstance(value, dict):
        return all(is_wholly_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_wholly_known(v) for v in value)
    return True


def decode(raw: bytes) -> Value:
    if not raw:
        return None
    return msgpack.unpackb(raw, raw=False, strict_map_key=False)


def encode(value: Value) -> bytes:
    packed: bytes = msgpack.packb(value, use_bin_type=True)
    return packed


def null_object(block: Block) -> dict[str, Value]:
    """An object of a block's type with every attribute null and no nested blocks."""
    obj: dict[str, Value] = dict.fromkeys(block.get("attributes", {}))
    for name, nested in block.get("block_types", {}).items():
        obj[name] = None if nested["nesting_mode"] == "single" else []
    return obj


AttributeRule = Callable[[str, dict[str, Any], Value], Value]


def map_block(obj: dict[str, Value], block: Block, rule: AttributeRule) -> dict[str, Value]:
    """Apply rule(name, attribute schema, value) to every attribute, through nested blocks."""
    out = dict(obj)
    for name, attribute in block.get("attributes", {}).items():
        out[name] = rule(name, attribute, obj.get(name))
    for name, nested in block.get("block_types", {}).items():
        value = obj.get(name)
        if value is None or is_unknown(value):
            continue
        inner = nested["block"]
        if nested["nesting_mode"] in ("single", "group"):
            out[name] = map_block(value, inner, rule)
        elif nested["nesting_mode"] == "map":
            out[name] = {key: map_block(item, inner, rule) for key, item in value.items()}
        else:
            out[name] = [
                item if is_unknown(item) else map_block(item, inner, rule) for item in value
            ]
    return out
