"""The lock files: complete for what the pyproject files ask, hashed where they install alone,
and in agreement with each other, so `make setup`, CI, the Action and the image install the same.

A dependency added to a pyproject.toml without `make lock` fails here (setup still installs it,
unpinned, so the rest of the suite can run and this test names what to do).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .locks import APP_LOCK, CLI_LOCK, DEV_LOCK, ROOT, entries, universal_pins
from .locks import pins as _pins


def _requirements(pyproject: Path, *, dev: bool) -> list[Requirement]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    listed = list(project["dependencies"])
    if dev:
        listed += project.get("optional-dependencies", {}).get("dev", [])
    return [Requirement(r) for r in listed]


def _unsatisfied(requirements: list[Requirement], pins: dict[str, str]) -> list[str]:
    problems = []
    for requirement in requirements:
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement.name}: not in the lock")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement.name}: locked {pinned}, pyproject asks {requirement}")
    return problems


def test_the_dev_lock_pins_every_dependency_of_both_packages_and_their_dev_tools() -> None:
    wanted = _requirements(ROOT / "pyproject.toml", dev=True)
    wanted += _requirements(ROOT / "app" / "pyproject.toml", dev=True)
    assert _unsatisfied(wanted, _pins(DEV_LOCK)) == [], "run `make lock` and commit the locks"


@pytest.mark.parametrize(
    ("lock", "pyproject"),
    [(CLI_LOCK, ROOT / "pyproject.toml"), (APP_LOCK, ROOT / "app" / "pyproject.toml")],
    ids=["cli", "app"],
)
def test_the_locks_that_install_alone_pin_every_runtime_dependency_with_hashes(
    lock: Path, pyproject: Path
) -> None:
    assert _unsatisfied(_requirements(pyproject, dev=False), _pins(lock)) == [], "make lock"
    for requirement, entry in entries(lock):
        assert "--hash=sha256:" in entry, f"{lock.name}: {requirement} has no hash"


def test_the_cli_lock_carries_no_dev_tool() -> None:
    runtime = {canonicalize_name(r.name) for r in _requirements(ROOT / "pyproject.toml", dev=False)}
    dev_only = {
        canonicalize_name(r.name) for r in _requirements(ROOT / "pyproject.toml", dev=True)
    } - runtime
    assert dev_only & set(_pins(CLI_LOCK)) == set()


def test_the_cli_and_the_image_get_the_versions_the_tests_ran_with() -> None:
    dev = universal_pins(DEV_LOCK)
    for lock in (CLI_LOCK, APP_LOCK):
        assert universal_pins(lock) - dev == set(), f"{lock.name} differs: run `make lock`"


def test_setup_ci_and_the_image_install_from_the_locks() -> None:
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert re.search(r"inputs_hash=\$\(cat [^)]*requirements/dev\.lock", setup)
    assert "-c requirements/dev.lock" in setup
    assert "-r requirements/checkov.lock" in setup
    dockerfile = (ROOT / "app" / "Dockerfile").read_text(encoding="utf-8")
    assert "--require-hashes" in dockerfile
    assert "-r /src/requirements.lock" in dockerfile
    assert re.search(r"pip install --no-deps /src", dockerfile)
    install = (ROOT / ".github" / "actions" / "deploy" / "install.sh").read_text(encoding="utf-8")
    assert "--require-hashes" in install
    assert "requirements/cli.lock" in install
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^lock: setup\n\t@scripts/lock\.sh$", makefile, re.MULTILINE)
