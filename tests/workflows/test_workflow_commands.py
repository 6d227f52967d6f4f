"""What CI runs must be what a developer runs: every `run:` command starts with the Makefile,
terraform, docker or the Action's own tested scripts (plus the few helpers listed in ALLOWED with
a reason), and every `bluegreen` invocation uses a subcommand and flags that exist.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from functools import cache

from click.testing import CliRunner

from bluegreen.cli import cli

from .github_files import ACTIONS, ROOT, WORKFLOWS, action_steps, job_steps, load_yaml

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


def _run_scripts() -> Iterator[tuple[str, str]]:
    for path in WORKFLOWS:
        for job_id, step in job_steps(load_yaml(path)):
            if "run" in step:
                yield f"{path.name}:{job_id}:{step.get('name', step['run'][:30])}", step["run"]
    for path in ACTIONS:
        for step in action_steps(path):
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
