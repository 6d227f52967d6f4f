"""The GitHub workflows: zizmor-clean, schema-valid, pinned, and calling only what a developer runs.

What CI runs must be what a developer runs: every `run:` command starts with the Makefile, the
`bluegreen` CLI, terraform or docker (plus the few helpers listed in ALLOWED with a reason),
and every `bluegreen` invocation uses a subcommand and flags that exist.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type information
from click.testing import CliRunner

from bluegreen.cli import cli

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.yml"))
EXPECTED = {"ci.yml", "deploy.yml", "rollback.yml", "terraform.yml"}
BIN = Path(sys.executable).parent

# First words a `run:` command may start with, and why each is there.
ALLOWED = {
    "make": "the Makefile: what a developer runs",
    "bluegreen": "the controller's CLI (from .venv/bin after `make setup`)",
    "terraform": "fmt, validate, plan, apply",
    "docker": "build and push the image",
    "checkov": "from .venv-checkov, created by `make setup`",
    "go": "builds actionlint at a tagged version (its PyPI wrapper downloads at install)",
    "actionlint": "lints these workflows on GitHub",
    "jq": "formats --json output for the job summary and reads Terraform outputs",
    "printf": "writes the controller's config file from the Terraform outputs variable",
    "sudo": "only `sudo apt-get`: the system packages `make setup` asks for when not root",
    # shell control words of the one bounded wait loop (deploy.yml, promote)
    "for": "",
    "do": "",
    "done": "",
    "if": "",
    "then": "",
    "fi": "",
    "break": "",
    "sleep": "",
}
SHELL_SEPARATORS = re.compile(r"\s*(?:&&|\|\||;|\|(?!\|))\s*")
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\b")


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a mapping"
    return data


def _triggers(doc: dict[Any, Any]) -> Any:
    return doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true


def _jobs(doc: dict[Any, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from doc.get("jobs", {}).items()


def _steps(doc: dict[Any, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in _jobs(doc):
        for step in job.get("steps", []):
            yield job_id, step


def _run_scripts() -> Iterator[tuple[str, str]]:
    for path in WORKFLOWS:
        for job_id, step in _steps(_load(path)):
            if "run" in step:
                yield f"{path.name}:{job_id}:{step.get('name', step['run'][:30])}", step["run"]


def _commands(script: str) -> list[str]:
    """Logical commands of a script: continuation lines joined, split on ; && || and |."""
    joined = re.sub(r"\s*\\\n\s*", " ", script)
    commands: list[str] = []
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        commands += [c for c in SHELL_SEPARATORS.split(line) if c.strip()]
    return commands


def _first_word(command: str) -> str:
    words = shlex.split(command, comments=True)
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        words.pop(0)  # FOO=bar cmd: the command is cmd
    assert words, f"no command in {command!r}"
    return words[0].rsplit("/", 1)[-1]


@cache
def _help(subcommand: str) -> str:
    result = CliRunner().invoke(cli, [subcommand, "--help"])
    assert result.exit_code == 0, f"bluegreen {subcommand} --help failed: {result.output}"
    return result.output


def _subcommands() -> set[str]:
    return set(cli.commands)


def bluegreen_invocations(script: str) -> list[tuple[str, list[str]]]:
    """(subcommand, flags) of every `bluegreen` call in a script (also `.venv/bin/bluegreen`)."""
    joined = re.sub(r"\s*\\\n\s*", " ", script)
    calls = []
    for match in re.finditer(r"(?:^|[\s/])bluegreen\s+([a-z][a-z-]*)([^\n|;&]*)", joined):
        flags = re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", match.group(2))
        calls.append((match.group(1), flags))
    return calls


# ---------------------------------------------------------------------------- tests


def test_the_four_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} == EXPECTED


def test_zizmor_finds_nothing() -> None:
    zizmor = shutil.which("zizmor", path=str(BIN)) or shutil.which("zizmor")
    assert zizmor, "zizmor is a dev dependency: run `make setup`"
    done = subprocess.run(
        [zizmor, "--offline", "--persona", "regular", str(WORKFLOWS_DIR)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_github_workflow_schema(path: Path) -> None:
    tool = shutil.which("check-jsonschema", path=str(BIN)) or shutil.which("check-jsonschema")
    assert tool, "check-jsonschema is a dev dependency: run `make setup`"
    done = subprocess.run(
        [tool, "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_sha_with_a_version_comment(path: Path) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = re.match(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", line)
        if not match:
            continue
        ref, rest = match.groups()
        if ref.startswith("./"):
            continue  # a workflow of this repository, at this commit
        assert PINNED.match(ref), f"{path.name}:{number}: {ref} is not pinned by a commit SHA"
        assert VERSION_COMMENT.search(rest), f"{path.name}:{number}: add `# vX.Y.Z` after {ref}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_concurrency_and_checkout(path: Path) -> None:
    doc = _load(path)
    top = doc.get("permissions")
    read_only = isinstance(top, dict) and set(top.values()) <= {"read", "none"}
    assert top == "read-all" or read_only, (
        f"{path.name}: top-level permissions must be {{}} or read-only, got {top!r}"
    )
    assert "concurrency" in doc, f"{path.name}: no concurrency group"
    for job_id, job in _jobs(doc):
        writes = {k for k, v in (job.get("permissions") or {}).items() if v == "write"}
        assert writes <= {"id-token"}, f"{path.name}:{job_id}: only id-token may be write"
    for job_id, step in _steps(doc):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, (
                f"{path.name}:{job_id}: checkout needs persist-credentials: false"
            )


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_inside_a_script(path: Path) -> None:
    """`${{ }}` values reach scripts only through `env:` (no template injection)."""
    for job_id, step in _steps(_load(path)):
        assert "${{" not in step.get("run", ""), f"{path.name}:{job_id}: pass it through env:"


def test_run_commands_start_with_an_allowed_tool() -> None:
    seen: set[str] = set()
    for where, script in _run_scripts():
        for command in _commands(script):
            word = _first_word(command)
            seen.add(word)
            assert word in ALLOWED, f"{where}: `{command}` starts with {word!r}, not allowed"
            if word == "sudo":
                assert shlex.split(command)[1] == "apt-get", f"{where}: sudo only for apt-get"
    assert {"make", "bluegreen", "terraform", "docker"} <= seen


def test_commands_are_split_as_the_shell_would() -> None:
    assert [_first_word(c) for c in _commands("A=1 make x && jq . | bluegreen status\n")] == [
        "make",
        "jq",
        "bluegreen",
    ]
    assert _commands("terraform \\\n  plan") == ["terraform plan"]


def test_every_bluegreen_invocation_parses() -> None:
    calls = [(where, call) for where, s in _run_scripts() for call in bluegreen_invocations(s)]
    assert len(calls) >= 5, calls  # deploy, history, report, status, promote, rollback
    for where, (subcommand, flags) in calls:
        assert subcommand in _subcommands(), f"{where}: no `bluegreen {subcommand}`"
        help_text = _help(subcommand)
        for flag in flags:
            assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", help_text), (
                f"{where}: `bluegreen {subcommand}` has no {flag}"
            )


def test_deploy_and_rollback_do_what_the_issue_says() -> None:
    deploy = (WORKFLOWS_DIR / "deploy.yml").read_text(encoding="utf-8")
    scripts = "\n".join(
        s["run"] for _, s in _steps(_load(WORKFLOWS_DIR / "deploy.yml")) if "run" in s
    )
    calls = dict(bluegreen_invocations(scripts))
    assert {"--target", "--image", "--strategy", "--approve"} <= set(calls["deploy"])
    assert "vars.AWS_DEPLOY_ROLE_ARN" in deploy
    assert "GITHUB_STEP_SUMMARY" in deploy
    assert "workflow_run" not in _triggers(_load(WORKFLOWS_DIR / "deploy.yml"))
    rollback = _load(WORKFLOWS_DIR / "rollback.yml")
    reason = _triggers(rollback)["workflow_dispatch"]["inputs"]["reason"]
    assert reason["required"] is True
    rollback_calls = [
        call for _, step in _steps(rollback) for call in bluegreen_invocations(step.get("run", ""))
    ]
    assert ("rollback", ["--target", "--config", "--reason"]) in rollback_calls
