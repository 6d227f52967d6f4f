"""Fixtures for the offline checks of terraform/ (the helpers are in tfhelpers.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# Tests run with --import-mode=importlib, which puts nothing on sys.path: make the repository
# root importable (appended, so it never shadows an installed package) for
# tests.terraform.tfhelpers.
_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.append(_REPO)

from tests.terraform.tfhelpers import (  # noqa: E402
    ENVIRONMENTS,
    Module,
    SchemaNode,
    load_aws_schema,
    module_dirs,
    root_dirs,
)


@pytest.fixture(scope="session")
def modules() -> dict[str, Module]:
    return {path.name: Module.load(path) for path in module_dirs()}


@pytest.fixture(scope="session")
def environments() -> dict[str, Module]:
    return {p.name: Module.load(p) for p in sorted(ENVIRONMENTS.iterdir()) if p.is_dir()}


@pytest.fixture(scope="session")
def all_directories() -> list[Module]:
    return [Module.load(p) for p in [*module_dirs(), *root_dirs()]]


@pytest.fixture(scope="session")
def load_module() -> Callable[[Path], Module]:
    return Module.load


@pytest.fixture(scope="session")
def aws_schema(pytestconfig: pytest.Config) -> dict[str, SchemaNode]:
    return load_aws_schema(pytestconfig)
