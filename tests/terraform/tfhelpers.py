"""Helpers for the offline checks of terraform/: parsing, module wiring, provider schema."""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
import pytest

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "terraform"
MODULES = TERRAFORM / "modules"
ENVIRONMENTS = TERRAFORM / "environments"
MODULE_FILES = {"main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"}
META_ARGUMENTS = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner"}

Body = dict[str, Any]


def unquote(value: object) -> object:
    """python-hcl2 keeps the quotes of string literals; drop them."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def parse(text: str) -> Body:
    body: Body = hcl2.loads(text)
    return body


def labelled(body: Body, kind: str) -> Iterator[tuple[str, Body]]:
    """Blocks with one label: module, variable, output."""
    for entry in body.get(kind, []):
        for label, block in entry.items():
            yield str(unquote(label)), block


def typed(body: Body, kind: str) -> Iterator[tuple[str, str, Body]]:
    """Blocks with two labels: resource, data, ephemeral."""
    for entry in body.get(kind, []):
        for type_label, named in entry.items():
            for name_label, block in named.items():
                if name_label.startswith("__"):
                    continue
                yield str(unquote(type_label)), str(unquote(name_label)), block


def is_block_list(value: object) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and item.get("__is_block__") for item in value)
    )


def sub_blocks(body: Body, name: str) -> list[Body]:
    value = body.get(name, [])
    return value if is_block_list(value) else []


@dataclass
class Module:
    """One Terraform directory: its files, variables, outputs, module calls and blocks."""

    path: Path
    files: dict[str, Body] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Module:
        module = cls(path)
        for tf in sorted(path.glob("*.tf")):
            text = tf.read_text()
            module.texts[tf.name] = text
            module.files[tf.name] = parse(text)
        return module

    def each(self, kind: str) -> Iterator[tuple[str, Body]]:
        for body in self.files.values():
            yield from labelled(body, kind)

    def each_typed(self, kind: str) -> Iterator[tuple[str, str, Body]]:
        for body in self.files.values():
            yield from typed(body, kind)

    @property
    def variables(self) -> dict[str, Body]:
        return dict(self.each("variable"))

    @property
    def outputs(self) -> dict[str, Body]:
        return dict(self.each("output"))

    @property
    def module_calls(self) -> dict[str, Body]:
        return dict(self.each("module"))

    @property
    def locals(self) -> Body:
        merged: Body = {}
        for body in self.files.values():
            for entry in body.get("locals", []):
                merged.update({k: v for k, v in entry.items() if not k.startswith("__")})
        return merged

    def resource(self, type_: str, name: str) -> Body:
        for kind in ("resource", "data"):
            for found_type, found_name, block in self.each_typed(kind):
                if (found_type, found_name) == (type_, name):
                    return block
        raise KeyError(f"{type_}.{name} not in {self.path}")

    @property
    def body(self) -> Body:
        """Every file's blocks in one body, as Terraform reads a module (one file per purpose)."""
        merged: Body = {}
        for body in self.files.values():
            for key, value in body.items():
                if isinstance(value, list):
                    merged[key] = [*merged.get(key, []), *value]
        return merged

    def text(self, *, exclude: tuple[str, ...] = ()) -> str:
        return "\n".join(t for name, t in self.texts.items() if name not in exclude)


def module_dirs() -> list[Path]:
    return sorted(p for p in MODULES.iterdir() if p.is_dir())


def root_dirs() -> list[Path]:
    return [*sorted(p for p in ENVIRONMENTS.iterdir() if p.is_dir()), TERRAFORM / "bootstrap"]


################################################################################
# AWS provider schema, from the cdktf-cdktf-provider-aws jsii assembly
################################################################################

SchemaNode = dict[str, Any]  # {"attributes": [...], "blocks": {name: SchemaNode}}
SCHEMA_FORMAT = 2


def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()


def _terraform_name(prop: dict[str, Any]) -> str:
    docs = prop.get("docs", {})
    text = f"{docs.get('summary', '')} {docs.get('remarks', '')}"
    match = re.search(r"#([a-z0-9_]+) ", text)
    return match.group(1) if match else _snake(prop["name"])


def _block_fqn(type_ref: dict[str, Any]) -> str | None:
    if "fqn" in type_ref:
        fqn = str(type_ref["fqn"])
        return None if fqn.startswith("cdktf.") else fqn
    if "collection" in type_ref:
        return _block_fqn(type_ref["collection"]["elementtype"])
    if "union" in type_ref:
        for option in type_ref["union"]["types"]:
            found = _block_fqn(option)
            if found:
                return found
    return None


def _node(types: dict[str, Any], fqn: str, depth: int = 0) -> SchemaNode:
    attributes: list[str] = []
    blocks: dict[str, SchemaNode] = {}
    for prop in types[fqn].get("properties", []):
        name = _terraform_name(prop)
        nested = _block_fqn(prop["type"])
        if nested and nested in types and depth < 12:
            blocks[name] = _node(types, nested, depth + 1)
        else:
            attributes.append(name)
    return {"attributes": sorted(attributes), "blocks": blocks}


def build_schema(assembly: dict[str, Any]) -> dict[str, SchemaNode]:
    """Map "resource.aws_x" / "data.aws_x" to the arguments and nested blocks they accept."""
    types: dict[str, Any] = assembly["types"]
    schema: dict[str, SchemaNode] = {}
    pattern = re.compile(r"/docs/(resources|data-sources)/\w+ (aws_\w+)\}")
    for type_ in types.values():
        if type_.get("kind") != "class":
            continue
        match = pattern.search(type_.get("docs", {}).get("summary", ""))
        if not match:
            continue
        # The constructor is (scope, id, config); the config interface is usually <Class>Config,
        # but jsii renames it on a clash (Wafv2WebAclAssociationConfigA), so follow the signature.
        parameters = type_.get("initializer", {}).get("parameters", [])
        config = _block_fqn(parameters[-1]["type"]) if parameters else None
        if config is None or config not in types:
            continue
        kind = "resource" if match.group(1) == "resources" else "data"
        schema[f"{kind}.{match.group(2)}"] = _node(types, config)
    return schema


def _assembly_archive() -> Path:
    # find_spec does not import the package (which would start the jsii node runtime).
    spec = importlib.util.find_spec("cdktf_cdktf_provider_aws")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail(
            "cdktf-cdktf-provider-aws is not installed: it carries the AWS provider schema these "
            "tests check arguments against (install the dev extras)"
        )
    archives = sorted(Path(next(iter(spec.submodule_search_locations))).glob("_jsii/*.jsii.tgz"))
    if not archives:
        pytest.fail("cdktf-cdktf-provider-aws has no _jsii/*.jsii.tgz assembly")
    return archives[-1]


def load_aws_schema(pytestconfig: pytest.Config) -> dict[str, SchemaNode]:
    archive = _assembly_archive()
    cache = getattr(pytestconfig, "cache", None)  # absent under -p no:cacheprovider
    cache_dir = cache.mkdir("aws-provider-schema") if cache is not None else None
    # Bump SCHEMA_FORMAT when build_schema changes, so a stale cache is never read.
    cached = cache_dir / f"{archive.name}.v{SCHEMA_FORMAT}.json.gz" if cache_dir else None
    if cached and cached.exists():
        loaded: dict[str, SchemaNode] = json.loads(gzip.decompress(cached.read_bytes()))
        return loaded
    with tarfile.open(archive) as tar:
        member = tar.extractfile("package/.jsii")
        assert member is not None
        assembly = json.load(io.TextIOWrapper(member, encoding="utf-8"))
    schema = build_schema(assembly)
    if cached:
        cached.write_bytes(gzip.compress(json.dumps(schema).encode()))
    return schema
