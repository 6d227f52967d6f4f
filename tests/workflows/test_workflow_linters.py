"""The GitHub workflows and the deploy Action pass the linters: zizmor, actionlint with
shellcheck, shellcheck on every script, and the GitHub JSON schemas; the expected files exist."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .github_files import ACTIONS, GITHUB_FILES, ROOT, WORKFLOWS, WORKFLOWS_DIR

EXPECTED = {"bluegreen.yml", "ci.yml", "deploy.yml", "rollback.yml", "terraform.yml"}
ACTION_SCRIPTS = sorted((ROOT / ".github" / "actions").glob("*/*.sh"))
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is a dev dependency: run `make setup`"
    return found


def _lint(*command: str) -> subprocess.CompletedProcess[str]:
    """Run a linter from .venv (`command[0]` names it) in the repository."""
    return subprocess.run(  # our dev tools on our own files
        [_tool(command[0]), *command[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_five_workflows_and_the_deploy_action_exist() -> None:
    assert {p.name for p in WORKFLOWS} == EXPECTED
    assert [p.parent.name for p in ACTIONS] == ["deploy"]


def test_zizmor_finds_nothing() -> None:
    done = _lint(
        "zizmor", "--offline", "--persona", "regular", str(WORKFLOWS_DIR), *map(str, ACTIONS)
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_with_shellcheck_finds_nothing() -> None:
    """actionlint reads the local Action's inputs too, so a workflow passing a wrong one fails."""
    done = _lint("actionlint", "-no-color", "-shellcheck", _tool("shellcheck"))
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


@pytest.mark.parametrize(
    "path",
    [*ACTION_SCRIPTS, *sorted((ROOT / "scripts").glob("*.sh"))],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_shell_scripts_pass_shellcheck(path: Path) -> None:
    done = _lint("shellcheck", "--severity=style", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", GITHUB_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_github_schema(path: Path) -> None:
    schema = "vendor.github-actions" if path.name == "action.yml" else "vendor.github-workflows"
    done = _lint("check-jsonschema", "--builtin-schema", schema, str(path))
    assert done.returncode == 0, done.stdout + done.stderr
