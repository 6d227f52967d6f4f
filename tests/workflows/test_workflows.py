"""The GitHub workflows and the deploy Action: actionlint- and zizmor-clean, schema-valid, pinned,
and calling only what a developer runs.

What CI runs must be what a developer runs: every `run:` command starts with the Makefile,
terraform, docker or the Action's own tested scripts (plus the few helpers listed in ALLOWED with
a reason), and every `bluegreen` invocation uses a subcommand and flags that exist.
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
EXPECTED = {"bluegreen.yml", "ci.yml", "deploy.yml", "rollback.yml", "terraform.yml"}
ACTIONS = sorted((ROOT / ".github" / "actions").glob("*/action.yml"))
ACTION_SCRIPTS = sorted((ROOT / ".github" / "actions").glob("*/*.sh"))
BIN = Path(sys.executable).parent
# Flags the Action passes that the CLI does not have yet, each with who adds it. The Action
# checks for them at run time and refuses with a clear message (exit 2) while they are missing.
PENDING_CLI_FLAGS: dict[tuple[str, str], str] = {}

# First words a `run:` command may start with, and why each is there.
ALLOWED = {
    "make": "the Makefile: what a developer runs",
    "terraform": "fmt, validate, plan, apply, output",
    "docker": "builds the image once (buildx, OCI archive)",
    "skopeo": "reads the built archive's manifest (its digest)",
    "sha256sum": "the digest of that manifest",
    "cut": "keeps sha256sum's hash",
    "checkov": "from .venv-checkov, created by `make setup`",
    "printf": "writes step outputs",
    "sudo": "only `sudo apt-get`: the system packages `make setup` asks for when not root",
    "python": "the CLI's own venv runs the Action's read_outputs.py",
    # the Action's own scripts, tested in test_action_*.py and test_publish_image.py
    "install.sh": "installs the bluegreen CLI alone from requirements/cli.lock",
    "deploy.sh": "the Action's logic",
    "check-idle.sh": "terraform apply refuses while a deployment holds the environment",
    "verify-live.sh": "staging checks after the deploy",
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


def _action_steps(path: Path) -> Iterator[dict[str, Any]]:
    yield from _load(path).get("runs", {}).get("steps", [])


def _run_scripts() -> Iterator[tuple[str, str]]:
    for path in WORKFLOWS:
        for job_id, step in _steps(_load(path)):
            if "run" in step:
                yield f"{path.name}:{job_id}:{step.get('name', step['run'][:30])}", step["run"]
    for path in ACTIONS:
        for step in _action_steps(path):
            if "run" in step:
                yield f"{path.parent.name}/action.yml:{step.get('name')}", step["run"]


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

GITHUB_FILES = [*WORKFLOWS, *ACTIONS]


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


@pytest.mark.parametrize("path", GITHUB_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_action_is_pinned_by_sha_with_a_version_comment(path: Path) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = re.match(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", line)
        if not match:
            continue
        ref, rest = match.groups()
        if ref.startswith("./"):
            continue  # a workflow or action of this repository, at this commit
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
    if set(_triggers(doc)) == {"workflow_call"}:  # the caller's workflow runs it: per job
        for job_id, job in _jobs(doc):
            assert "concurrency" in job, f"{path.name}:{job_id}: no concurrency group"
    else:
        assert "concurrency" in doc, f"{path.name}: no concurrency group"
    for job_id, job in _jobs(doc):
        writes = {k for k, v in (job.get("permissions") or {}).items() if v == "write"}
        assert writes <= {"id-token"}, f"{path.name}:{job_id}: only id-token may be write"
    for job_id, step in _steps(doc):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, (
                f"{path.name}:{job_id}: checkout needs persist-credentials: false"
            )


@pytest.mark.parametrize("path", GITHUB_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_expression_inside_a_script(path: Path) -> None:
    """`${{ }}` values reach scripts only through `env:` (no template injection)."""
    steps = [s for _, s in _steps(_load(path))] + list(_action_steps(path))
    for step in steps:
        assert "${{" not in step.get("run", ""), f"{path.name}:{step.get('name')}: use env:"


def test_run_commands_start_with_an_allowed_tool() -> None:
    seen: set[str] = set()
    for where, script in _run_scripts():
        for command in _commands(script):
            word = _first_word(command)
            seen.add(word)
            assert word in ALLOWED, f"{where}: `{command}` starts with {word!r}, not allowed"
            if word == "sudo":
                assert shlex.split(command)[1] == "apt-get", f"{where}: sudo only for apt-get"
    assert seen == set(ALLOWED), f"ALLOWED lists tools no step uses: {set(ALLOWED) - seen}"


def test_commands_are_split_as_the_shell_would() -> None:
    assert [_first_word(c) for c in _commands("A=1 make x && jq . | bluegreen status\n")] == [
        "make",
        "jq",
        "bluegreen",
    ]
    assert _commands("terraform \\\n  plan") == ["terraform plan"]


def test_every_bluegreen_invocation_parses() -> None:
    calls = [(where, call) for where, s in _run_scripts() for call in bluegreen_invocations(s)]
    calls += [("deploy.sh", call) for call in _action_script_calls()]
    assert len(calls) >= 4, calls  # deploy, promote, rollback, report
    for where, (subcommand, flags) in calls:
        assert subcommand in _subcommands(), f"{where}: no `bluegreen {subcommand}`"
        help_text = _help(subcommand)
        for flag in flags:
            if (subcommand, flag) in PENDING_CLI_FLAGS:
                continue
            assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", help_text), (
                f"{where}: `bluegreen {subcommand}` has no {flag}"
            )


def _action_script_calls() -> list[tuple[str, list[str]]]:
    """(subcommand, flags) of the bluegreen command lines deploy.sh builds in `args` arrays.

    Inside `case $COMMAND in ... esac` each `args=(SUBCOMMAND ...)` starts a command line and
    `args+=(...)` extends it; after `esac` only the deploy line is extended (the image).
    """
    script = (ROOT / ".github" / "actions" / "deploy" / "deploy.sh").read_text(encoding="utf-8")
    cases, after = script.split("\nesac\n", 1)
    calls: dict[str, list[str]] = {}
    current = ""
    for match in re.finditer(r"(?<![\w])args(\+?)=\(([^)]*)\)", cases):
        words = match.group(2).split()
        if not match.group(1):
            current = words[0]
            calls[current] = []
        calls[current] += [w for w in words if w.startswith("--")]
    for match in re.finditer(r"(?<![\w])args\+=\(([^)]*)\)", after):
        calls["deploy"] += [w for w in match.group(1).split() if w.startswith("--")]
    for match in re.finditer(r"report_args=\(([^)]*)\)", after):
        calls["report"] = [w for w in match.group(1).split() if w.startswith("--")]
    return sorted(calls.items())


def test_the_action_passes_the_flags_the_workflows_rely_on() -> None:
    calls = dict(_action_script_calls())
    assert {"--image", "--strategy", "--health-timeout", "--approve", "--detach"} <= set(
        calls["deploy"]
    )
    assert "--markdown" in calls["report"]
    assert "--reason" in calls["rollback"]


def _action_uses(doc: dict[Any, Any], job_id: str) -> dict[str, Any]:
    [step] = [s for s in doc["jobs"][job_id]["steps"] if "actions/deploy" in str(s.get("uses"))]
    return dict(step["with"])


def test_deploy_builds_once_and_promotes_the_same_digest_behind_two_gates() -> None:
    doc = _load(WORKFLOWS_DIR / "deploy.yml")
    jobs = doc["jobs"]
    assert "workflow_run" not in _triggers(doc)
    assert jobs["build"]["needs"] == "ci"
    assert jobs["staging"]["needs"] == "build"
    assert set(jobs["prod"]["needs"]) == {"build", "staging"}
    assert jobs["promote"]["needs"] == "prod"
    gates = {job: jobs[job]["environment"]["name"] for job in ("staging", "prod", "promote")}
    assert gates == {"staging": "staging", "prod": "prod", "promote": "prod-promote"}
    staging, prod, promote = (_action_uses(doc, j) for j in ("staging", "prod", "promote"))
    digest = "${{ needs.build.outputs.digest }}"
    for uses in (staging, prod):
        assert uses["image-digest"] == digest
        assert uses["image-archive"] == "${{ runner.temp }}/image/app-image.tar"
        assert uses["health-timeout"] == "${{ env.HEALTH_TIMEOUT }}"
    assert (staging["approve"], prod["approve"]) == ("false", "true")
    assert (promote["command"], promote["environment"]) == ("promote", "prod")
    assert "300" in doc["env"]["HEALTH_TIMEOUT"]  # the Fargate-sized default
    staging_steps = [s.get("run", "") for s in jobs["staging"]["steps"]]
    assert any("verify-live.sh" in run for run in staging_steps)


def test_every_use_of_the_action_reads_the_outputs_from_state_with_the_reader_role() -> None:
    uses = [
        (path.name, step["with"])
        for path in WORKFLOWS
        for _, step in _steps(_load(path))
        if "actions/deploy" in str(step.get("uses"))
    ]
    assert len(uses) >= 5, uses
    for where, given in uses:
        assert {"outputs-role-to-assume", "role-to-assume", "state-bucket"} <= set(given), where
    for path in GITHUB_FILES:
        assert "TERRAFORM_OUTPUTS" not in path.read_text(encoding="utf-8"), path.name


def test_terraform_applies_only_after_checking_that_no_deployment_holds_the_environment() -> None:
    doc = _load(WORKFLOWS_DIR / "terraform.yml")
    for job_id in ("apply-staging", "apply-prod"):
        runs = [step.get("run", "") for step in doc["jobs"][job_id]["steps"]]
        check = next(i for i, run in enumerate(runs) if "check-idle.sh" in run)
        apply = next(i for i, run in enumerate(runs) if re.search(r"terraform .*\bapply\b", run))
        assert check < apply, f"{job_id}: the check must come right before the apply"
        assert " apply " not in " ".join(runs[:check]), f"{job_id}: an apply before the check"


def test_rollback_asks_for_a_reason_and_records_it() -> None:
    rollback = _load(WORKFLOWS_DIR / "rollback.yml")
    inputs = _triggers(rollback)["workflow_dispatch"]["inputs"]
    assert inputs["reason"]["required"] is True
    uses = _action_uses(rollback, "rollback")
    assert (uses["command"], uses["reason"]) == ("rollback", "${{ inputs.reason }}")


def test_the_reusable_workflow_runs_the_action_with_every_input_it_declares() -> None:
    doc = _load(WORKFLOWS_DIR / "bluegreen.yml")
    assert set(_triggers(doc)) == {"workflow_call"}
    declared = set(_triggers(doc)["workflow_call"]["inputs"])
    action_inputs = set(_load(ACTIONS[0])["inputs"])
    passed = set(_action_uses(doc, "bluegreen"))
    assert passed <= action_inputs
    # every Action input is reachable from a caller (image-archive through image-artifact)
    assert action_inputs - passed == set()
    own = {"gate", "image-artifact", "image-archive-file", "bluegreen-repository", "bluegreen-ref"}
    assert declared - own <= passed
