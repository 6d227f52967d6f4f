"""Rebuild the hashicorp/aws provider schema from the cdktf-cdktf-provider-aws wheel.

The wheel (AWS provider 6.25.0) ships no raw schema, but each `lib/<type>/index.js` in its jsii
tarball carries, in its inline source map, the TypeScript that cdktf generated from the real
schema. That source names every attribute and block as Terraform spells it and says, per
attribute, `computed: x, optional: y, required: z`; its `...ToHclTerraform` functions say block
or attribute, list/set/map and the element type; a block held by an `...OutputReference` field
takes one item. From those we rebuild what `terraform providers schema -json` would print (the
subset Terraform needs to validate and plan: types, required/optional/computed, write-only,
nesting and item counts; no descriptions, no sensitivity).

    python -m tests.terraform.offline.schema_build

writes `aws_schema.json.gz` beside this file: every resource and data source type (about 200 KB
compressed), so a type a module starts to use needs no rebuild; the fake provider serves only
the types a configuration declares.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import importlib.util
import json
import re
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCHEMA_FILE = HERE / "aws_schema.json.gz"
TERRAFORM = HERE.parents[2] / "terraform"

Json = dict[str, Any]

_ENTRY = re.compile(
    r"// (\w+) - computed: (true|false), optional: (true|false), required: (true|false)\n"
    r"(.*?)(?=\n  // \w+ - computed:|\n}\n)",
    re.S,
)
_HCL_ATTR = re.compile(
    r"\n\s+(\w+): \{\n\s+value: (.*?),\n\s+isBlock: (true|false),\n\s+type: \"(\w+)\",\n"
    r"\s+storageClassType: \"(\w+)\",",
)
_CHUNK = re.compile(r"^export (?:class|function|interface) (\w+)", re.M)
_NEW = re.compile(r"new (cdktf\.)?(\w+)\(this, \"(\w+)\"(?:, (true|false))?")
_GETTER = re.compile(r"this\.get(\w*?)Attribute\('(\w+)'\)")
_PRIMITIVE = {"string": "string", "number": "number", "boolean": "bool"}
_MAPS = {"StringMap": "string", "NumberMap": "number", "BooleanMap": "bool", "AnyMap": "dynamic"}


@dataclass
class Entry:
    name: str
    computed: bool
    optional: bool
    required: bool
    body: str


@dataclass
class Source:
    """One generated TypeScript file, split into its exported classes, functions, interfaces."""

    chunks: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Source:
        starts = [(m.start(), m.group(1)) for m in _CHUNK.finditer(text)]
        source = cls()
        for (start, name), (end, _) in zip(starts, [*starts[1:], (len(text), "")], strict=True):
            source.chunks.setdefault(name, text[start:end])
        return source

    def entries(self, class_name: str) -> list[Entry]:
        chunk = self.chunks.get(class_name, "")
        return [
            Entry(
                m.group(1),
                m.group(2) == "true",
                m.group(3) == "true",
                m.group(4) == "true",
                m.group(5),
            )
            for m in _ENTRY.finditer(chunk)
        ]

    def hcl(self, chunk_name: str) -> dict[str, tuple[bool, str, str]]:
        """name -> (is_block, list|set|map|simple|struct, storage class) from a ToHcl function."""
        chunk = self.chunks.get(chunk_name, "")
        return {
            m.group(1): (m.group(3) == "true", m.group(4), m.group(5))
            for m in _HCL_ATTR.finditer(chunk)
        }


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _struct_of(storage: str) -> str:
    return storage.removesuffix("List").removesuffix("Map")


def _primitive_type(kind: str, storage: str) -> Any:
    if storage in _PRIMITIVE:
        return _PRIMITIVE[storage]
    for suffix, wrapper in (("ListList", None), ("List", kind), ("Map", "map")):
        if storage.endswith(suffix) and wrapper and storage[: -len(suffix)] in _PRIMITIVE:
            element = _PRIMITIVE[storage[: -len(suffix)]]
            return [wrapper if wrapper in ("list", "set", "map") else "list", element]
    if storage == "anyMap":
        return ["map", "dynamic"]
    return None


_GETTER_TYPES: dict[str, Any] = {
    "String": "string",
    "Number": "number",
    "Boolean": "bool",
    "Any": "dynamic",
    "List": ["list", "string"],
    "NumberList": ["list", "number"],
    "StringMap": ["map", "string"],
    "NumberMap": ["map", "number"],
    "BooleanMap": ["map", "bool"],
    "AnyMap": ["map", "dynamic"],
}


def _computed_type(source: Source, entry: Entry) -> Any:
    """The type of an attribute cdktf only reads (computed-only), from its getter."""
    new = _NEW.search(entry.body)
    if new and new.group(1):  # cdktf.StringMap and friends
        return ["map", _MAPS.get(new.group(2), "dynamic")]
    if new:
        struct = _struct_of(new.group(2).removesuffix("OutputReference"))
        obj = ["object", _object_attributes(source, f"{struct}OutputReference")]
        single = new.group(2).endswith("OutputReference")
        return ["set" if new.group(4) == "true" else "list", obj] if not single else ["list", obj]
    getter = _GETTER.search(entry.body)
    type_ = _GETTER_TYPES.get(getter.group(1), "dynamic") if getter else "dynamic"
    if isinstance(type_, list) and type_[0] == "list" and "cdktf.Fn.tolist(this.get" in entry.body:
        return ["set", type_[1]]  # cdktf reads a set through tolist()
    return type_


def _object_attributes(source: Source, class_name: str) -> dict[str, Any]:
    return {entry.name: _computed_type(source, entry) for entry in source.entries(class_name)}


def _interface_optional(source: Source, interface: str) -> dict[str, bool]:
    """camelCase property -> optional, from `readonly x?: ...` lines of an interface."""
    chunk = source.chunks.get(interface, "")
    return {m.group(1): m.group(2) == "?" for m in re.finditer(r"readonly (\w+)(\??):", chunk)}


def _nested_block(source: Source, entry: Entry, kind: str, storage: str) -> Json:
    nested = _struct_of(storage)
    inner = _block(
        source, f"{nested}OutputReference", f"{_lower_first(nested)}ToHclTerraform", nested
    )
    spec: Json = {"block": inner, "nesting_mode": "single" if kind == "struct" else kind}
    if kind in ("list", "set"):
        if f'new {nested}OutputReference(this, "{entry.name}")' in entry.body:
            spec["max_items"] = 1  # cdktf holds a one-item block as an OutputReference
        if entry.required:
            spec["min_items"] = 1
    return spec


def _attribute(source: Source, entry: Entry, hcl: tuple[bool, str, str] | None) -> Json:
    if hcl is None:
        type_ = _computed_type(source, entry)
    else:
        _, kind, storage = hcl
        type_ = _primitive_type(kind, storage)
        if type_ is None:  # a nested attribute (plugin framework): an object type
            obj = ["object", _object_attributes(source, f"{_struct_of(storage)}OutputReference")]
            type_ = obj if kind == "struct" else [kind if kind in ("list", "set") else "list", obj]
    attribute: Json = {"type": type_}
    for flag in ("required", "optional", "computed"):
        if getattr(entry, flag):
            attribute[flag] = True
    if entry.name.endswith("_wo"):  # write-only arguments (Terraform >= 1.11) end in _wo
        attribute["write_only"] = True
    return attribute


def _interface_entries(source: Source, hcl_chunk: str, struct: str) -> dict[str, Entry]:
    """Provider structs have no OutputReference class: optionality from the interface."""
    chunk = source.chunks.get(hcl_chunk, "")
    optional = _interface_optional(source, struct)
    entries: dict[str, Entry] = {}
    for name in source.hcl(hcl_chunk):
        prop = re.search(rf"\n\s+{name}: \{{\n\s+value: .*?struct!\.(\w+)", chunk)
        is_optional = optional.get(prop.group(1), True) if prop else True
        entries[name] = Entry(name, False, is_optional, not is_optional, "")
    return entries


def _block(source: Source, class_name: str, hcl_chunk: str, struct: str | None) -> Json:
    entries = {entry.name: entry for entry in source.entries(class_name)}
    hcl = source.hcl(hcl_chunk)
    if not entries and struct:
        entries = _interface_entries(source, hcl_chunk, struct)
    attributes: Json = {}
    block_types: Json = {}
    for name, entry in entries.items():
        if name in hcl and hcl[name][0]:
            block_types[name] = _nested_block(source, entry, hcl[name][1], hcl[name][2])
        elif not (struct is None and name == "alias" and class_name.endswith("Provider")):
            attributes[name] = _attribute(source, entry, hcl.get(name))
    return {"attributes": attributes, "block_types": block_types}


def _typescript(js: str) -> str | None:
    match = re.search(r"sourceMappingURL=data:application/json;base64,(\S+)", js)
    if not match:
        return None
    sources = json.loads(base64.b64decode(match.group(1))).get("sourcesContent") or []
    return str(sources[0]) if sources else None


def _root(source: Source) -> tuple[str, str, str] | None:
    """(kind, terraform type, class name) of the resource/data source/provider in a file."""
    for name, chunk in source.chunks.items():
        match = re.search(r"extends cdktf\.Terraform(Resource|DataSource|Provider) \{", chunk)
        if not match:
            continue
        type_ = re.search(r"tfResourceType = \"(\w+)\"", chunk)
        if type_:
            return match.group(1), type_.group(1), name
    return None


def schema_from_typescript(text: str) -> tuple[str, str, Json] | None:
    source = Source.parse(text)
    root = _root(source)
    if root is None:
        return None
    kind, type_, class_name = root
    chunk = source.chunks[class_name]
    hcl_start = chunk.find("synthesizeHclAttributes")
    source.chunks[f"{class_name}#hcl"] = chunk[hcl_start:]
    return kind, type_, _block(source, class_name, f"{class_name}#hcl", None)


def _assembly_archive() -> Path:
    spec = importlib.util.find_spec("cdktf_cdktf_provider_aws")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("cdktf-cdktf-provider-aws is not installed (pip install -e '.[dev]')")
    archives = sorted(Path(next(iter(spec.submodule_search_locations))).glob("_jsii/*.jsii.tgz"))
    if not archives:
        raise SystemExit("cdktf-cdktf-provider-aws has no _jsii/*.jsii.tgz")
    return archives[-1]


def _generated_files(archive: Path) -> Iterator[str]:
    with tarfile.open(archive) as tar:
        for member in tar:
            if re.fullmatch(r"package/lib/[\w-]+/index\.js", member.name):
                handle = tar.extractfile(member)
                if handle is not None:
                    yield handle.read().decode("utf-8")


def used_types(root: Path = TERRAFORM) -> dict[str, set[str]]:
    """Resource and data source types of provider aws that terraform/ declares."""
    found: dict[str, set[str]] = {"resource": set(), "data": set()}
    for tf in root.rglob("*.tf"):
        for kind, type_ in re.findall(r'^(resource|data)\s+"(aws_\w+)"', tf.read_text(), re.M):
            found[kind].add(type_)
    return found


def build(*, only: dict[str, set[str]] | None) -> Json:
    schema: Json = {
        "format_version": "1.0",
        "provider": None,
        "resource_schemas": {},
        "data_source_schemas": {},
    }
    for js in _generated_files(_assembly_archive()):
        text = _typescript(js)
        built = schema_from_typescript(text) if text else None
        if built is None:
            continue
        kind, type_, block = built
        if kind == "Provider":
            schema["provider"] = {"version": 0, "block": block}
        elif kind == "Resource" and (only is None or type_ in only["resource"]):
            schema["resource_schemas"][type_] = {"version": 0, "block": block}
        elif kind == "DataSource" and (only is None or type_ in only["data"]):
            schema["data_source_schemas"][type_] = {"version": 0, "block": block}
    return schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=SCHEMA_FILE)
    args = parser.parse_args(argv)
    schema = build(only=None)
    payload = json.dumps(schema, sort_keys=True, separators=(",", ":")).encode()
    args.output.write_bytes(gzip.compress(payload, mtime=0))
    print(
        f"{args.output}: {len(schema['resource_schemas'])} resource types, "
        f"{len(schema['data_source_schemas'])} data source types, {len(payload)} bytes of JSON"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
