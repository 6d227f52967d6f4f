"""The fake providers' schemas, and their translation into tfplugin6 messages.

hashicorp/aws comes from aws_schema.json.gz (rebuilt from the cdktf wheel by schema_build.py);
hashicorp/random is small and written here from its documentation (3.7: the ephemeral
random_password the rds module uses, and the resource of the same name).
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

from tests.terraform.offline.cty import Block
from tests.terraform.offline.protocol import pb

AWS_SCHEMA_FILE = Path(__file__).resolve().parent / "aws_schema.json.gz"

ProviderSchema = dict[str, Any]

_PASSWORD_ARGUMENTS: dict[str, Any] = {
    "length": {"type": "number", "required": True},
    **{
        name: {"type": "bool", "optional": True, "computed": True}
        for name in ("special", "upper", "lower", "numeric", "number")
    },
    **{
        name: {"type": "number", "optional": True, "computed": True}
        for name in ("min_special", "min_upper", "min_lower", "min_numeric")
    },
    "override_special": {"type": "string", "optional": True},
    "result": {"type": "string", "computed": True, "sensitive": True},
    "bcrypt_hash": {"type": "string", "computed": True, "sensitive": True},
}

RANDOM_SCHEMA: ProviderSchema = {
    "provider": {"version": 0, "block": {"attributes": {}, "block_types": {}}},
    "resource_schemas": {
        "random_password": {
            "version": 3,
            "block": {
                "attributes": {
                    **_PASSWORD_ARGUMENTS,
                    "id": {"type": "string", "computed": True},
                    "keepers": {"type": ["map", "string"], "optional": True},
                },
                "block_types": {},
            },
        },
    },
    "data_source_schemas": {},
    "ephemeral_resource_schemas": {
        "random_password": {
            "version": 0,
            "block": {"attributes": dict(_PASSWORD_ARGUMENTS), "block_types": {}},
        },
    },
}


@cache
def aws_schema() -> ProviderSchema:
    loaded: ProviderSchema = json.loads(gzip.decompress(AWS_SCHEMA_FILE.read_bytes()))
    loaded.setdefault("ephemeral_resource_schemas", {})
    return loaded


def provider_schema(name: str, types: str | None = None) -> ProviderSchema:
    """A provider's schema; `types` ("resource.aws_x data.aws_y ...") keeps only those."""
    if name == "aws":
        full = aws_schema()
        if not types:
            return full
        wanted = set(types.split())
        return {
            **full,
            "resource_schemas": {
                t: s for t, s in full["resource_schemas"].items() if f"resource.{t}" in wanted
            },
            "data_source_schemas": {
                t: s for t, s in full["data_source_schemas"].items() if f"data.{t}" in wanted
            },
        }
    if name == "random":
        return RANDOM_SCHEMA
    raise ValueError(f"no fake provider named {name!r} (aws, random)")


_NESTING = {
    "single": pb.Schema.NestedBlock.SINGLE,
    "list": pb.Schema.NestedBlock.LIST,
    "set": pb.Schema.NestedBlock.SET,
    "map": pb.Schema.NestedBlock.MAP,
    "group": pb.Schema.NestedBlock.GROUP,
}


def block_message(block: Block) -> Any:
    attributes = [
        pb.Schema.Attribute(
            name=name,
            type=json.dumps(spec["type"]).encode(),
            required=spec.get("required", False),
            optional=spec.get("optional", False),
            computed=spec.get("computed", False),
            sensitive=spec.get("sensitive", False),
            write_only=spec.get("write_only", False),
        )
        for name, spec in sorted(block.get("attributes", {}).items())
    ]
    nested = [
        pb.Schema.NestedBlock(
            type_name=name,
            block=block_message(spec["block"]),
            nesting=_NESTING[spec["nesting_mode"]],
            min_items=spec.get("min_items", 0),
            max_items=spec.get("max_items", 0),
        )
        for name, spec in sorted(block.get("block_types", {}).items())
    ]
    return pb.Schema.Block(attributes=attributes, block_types=nested)


def schema_message(spec: dict[str, Any]) -> Any:
    return pb.Schema(version=spec.get("version", 0), block=block_message(spec["block"]))
