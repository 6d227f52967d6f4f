"""The map holds: pure modules do no I/O, and no module imports a layer above its own.

Imports are read from the source with `ast` (lazy imports inside functions included; imports
under `if TYPE_CHECKING:` are types only and do not count). docs/architecture.md draws the
same layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "bluegreen"

# Decisions and data: tested without I/O, so they may not import what does I/O.
PURE = {
    "bluegreen.model",
    "bluegreen.errors",
    "bluegreen.plan",
    "bluegreen.evidence",
    "bluegreen.evidence.readings",
    "bluegreen.evidence.verdict",
    "bluegreen.evidence.settings",
    "bluegreen.evidence.step",
    "bluegreen.evidence.cloudwatch",
    "bluegreen.migrations",
    "bluegreen.migration_check",
    "bluegreen.events",
    "bluegreen.event_prepare",
    "bluegreen.event_traffic",
    "bluegreen.event_close",
    "bluegreen.event_kinds",
    "bluegreen.event_codec",
    "bluegreen.records",
    "bluegreen.view",
    "bluegreen.dryrun.calls",
    "bluegreen.local.haproxy_config",
    "bluegreen.local.postgres_sql",
    "bluegreen.aws.requests",
    "bluegreen.aws.responses",
    "bluegreen.aws.taskdef_template",
    "bluegreen.report.series",
    "bluegreen.report.data",
    "bluegreen.report.labels",
}
# What a pure module may import from the package besides other pure modules: the frozen
# settings types (`config` loads a file in `load_settings`, which pure modules never call).
PURE_MAY_ALSO_IMPORT = {"bluegreen.config"}
IO_MODULES = {
    "subprocess",
    "socket",
    "os",
    "shutil",
    "tempfile",
    "pathlib",
    "threading",
    "time",
    "urllib",
    "http",
    "httpx",
    "boto3",
    "botocore",
    "psycopg",
    "matplotlib",
}

# Layers from the bottom up; a module may import its own layer and the ones below.
LAYERS: list[tuple[str, set[str]]] = [
    (
        "foundation",
        {"bluegreen", "bluegreen.errors", "bluegreen.model", "bluegreen.config"}
        | {"bluegreen.clock", "bluegreen.progress"}
        # the analysis keys' types and limits, validated with the configuration
        | {"bluegreen.evidence.settings"},
    ),
    ("decisions", PURE - {"bluegreen.errors", "bluegreen.model", "bluegreen.evidence.settings"}),
    (
        "state",
        {"bluegreen.state", "bluegreen.journal", "bluegreen.provider"}
        | {"bluegreen.migration_files", "bluegreen.probe", "bluegreen.analysis_load"},
    ),
    (
        "platforms",
        {"bluegreen.local", "bluegreen.local.*", "bluegreen.aws", "bluegreen.aws.*"}
        | {"bluegreen.dryrun", "bluegreen.dryrun.*"},
    ),
    (
        "procedure",
        {"bluegreen.request", "bluegreen.lifecycle", "bluegreen.steps", "bluegreen.shifting"}
        | {"bluegreen.watch", "bluegreen.approval", "bluegreen.pause", "bluegreen.hooks"}
        | {"bluegreen.deployment", "bluegreen.recovery", "bluegreen.migration_guard"}
        | {"bluegreen.scaling", "bluegreen.readiness"},
    ),
    ("operations", {"bluegreen.operations", "bluegreen.operations.*"}),
    (
        "presentation",
        {"bluegreen.cli", "bluegreen.cli_support", "bluegreen.cli_inspect", "bluegreen.output"}
        | {"bluegreen.console", "bluegreen.cli_operator", "bluegreen.cli_repair"}
        | {"bluegreen.report", "bluegreen.report.*"},
    ),
]
# The procedure runs on any platform: it never names one (operations choose the provider).
PROCEDURE_MAY_NOT_IMPORT = ("bluegreen.local", "bluegreen.aws")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> set[str]:
    """Every module imported outside `if TYPE_CHECKING:` blocks, anywhere in the file."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for other in node.orelse:
                visit(other)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from bluegreen import journal` imports the module bluegreen.journal
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


MODULES = {
    _module_name(path): _runtime_imports(ast.parse(path.read_text(encoding="utf-8")))
    for path in sorted(PACKAGE.rglob("*.py"))
}


def _matches(module: str, pattern: str) -> bool:
    if pattern.endswith(".*"):
        return module.startswith(pattern[:-1])
    return module == pattern


def _layer(module: str) -> int | None:
    for index, (_name, members) in enumerate(LAYERS):
        if any(_matches(module, pattern) for pattern in members):
            return index
    return None


def _package_imports(module: str) -> set[str]:
    """The bluegreen modules `module` imports (names that are not modules are dropped)."""
    return {name for name in MODULES[module] if name in MODULES and name != module}


def test_every_module_has_a_layer() -> None:
    assert [m for m in MODULES if _layer(m) is None] == []


@pytest.mark.parametrize("module", sorted(PURE))
def test_a_pure_module_imports_no_io(module: str) -> None:
    io = sorted(n for n in MODULES[module] if n.split(".")[0] in IO_MODULES)
    assert io == [], f"{module} imports {io}"
    others = sorted(_package_imports(module) - PURE - PURE_MAY_ALSO_IMPORT - {"bluegreen"})
    assert others == [], f"{module} imports the impure {others}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_layer_above_its_own(module: str) -> None:
    own = _layer(module)
    assert own is not None
    above = sorted(
        f"{name} ({LAYERS[layer][0]})"
        for name in _package_imports(module)
        if (layer := _layer(name)) is not None and layer > own
    )
    assert above == [], f"{module} ({LAYERS[own][0]}) imports {above}"


def test_the_procedure_never_names_a_platform() -> None:
    procedure = [m for m in MODULES if _layer(m) == 4]
    assert procedure  # the layer is not empty: the test would pass vacuously
    named = {
        m: sorted(n for n in _package_imports(m) if n.startswith(PROCEDURE_MAY_NOT_IMPORT))
        for m in procedure
    }
    assert {m: n for m, n in named.items() if n} == {}


def test_one_platform_never_imports_the_other() -> None:
    crossing = [
        (m, n)
        for m in MODULES
        for n in _package_imports(m)
        if (m.startswith("bluegreen.local") and n.startswith("bluegreen.aws"))
        or (m.startswith("bluegreen.aws") and n.startswith("bluegreen.local"))
    ]
    assert crossing == []


def test_the_check_sees_a_violation() -> None:
    """The reader itself: a pure module importing subprocess lazily is caught."""
    tree: ast.AST = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import boto3\n"
        "def f():\n    import subprocess\n"
    )
    assert _runtime_imports(tree) == {"typing", "typing.TYPE_CHECKING", "subprocess"}
