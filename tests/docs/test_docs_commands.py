"""Every `bluegreen` command in README.md, docs/ and examples/ is one that exists.

Each fenced code block is read like a shell script: for every command that starts with
`bluegreen` (or `.venv/bin/bluegreen`), the subcommand must exist and every `--flag` must be
in that subcommand's `--help`. The CLI runs in-process (click's CliRunner).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from bluegreen.cli import cli

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(
    [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "examples").rglob("*.md")]
)
FENCE = re.compile(r"^(```|~~~)[^\n]*\n(.*?)^\1\s*$", re.MULTILINE | re.DOTALL)
# a command position: start of line (after an optional prompt), or after ; && || | $( or `
COMMAND = re.compile(
    r"(?:^|[;&|`(]\s*|\$\s+)(?:[\w./-]*/)?bluegreen((?:[ \t]+[^\s;&|`)#]+)*)", re.MULTILINE
)


def code_blocks(text: str) -> list[str]:
    """The contents of the fenced code blocks of a Markdown page."""
    return [m.group(2) for m in FENCE.finditer(text)]


def bluegreen_commands(block: str) -> list[tuple[str | None, list[str]]]:
    """(subcommand or None, flags) of each `bluegreen` command in a code block."""
    joined = re.sub(r"\s*\\\n\s*", " ", block)
    found: list[tuple[str | None, list[str]]] = []
    for match in COMMAND.finditer(joined):
        words = match.group(1).split()
        sub = words[0] if words and not words[0].startswith("-") else None
        flags = [w.split("=", 1)[0] for w in words if re.match(r"^--[a-z]", w)]
        found.append((sub, flags))
    return found


@cache
def help_text(subcommand: str | None) -> str:
    """`bluegreen [SUBCOMMAND] --help`, run in-process."""
    args = [subcommand, "--help"] if subcommand else ["--help"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, f"bluegreen {' '.join(args)}: {result.output}"
    return result.output


def all_commands() -> list[tuple[str, str | None, list[str]]]:
    """Every bluegreen command of every page: (page, subcommand, flags)."""
    out = []
    for page in PAGES:
        if not page.exists():
            continue
        for block in code_blocks(page.read_text(encoding="utf-8")):
            for sub, flags in bluegreen_commands(block):
                out.append((str(page.relative_to(ROOT)), sub, flags))
    return out


def test_the_parser_finds_commands() -> None:
    block = "$ bluegreen status --json\nmake demo && bluegreen deploy \\\n  --version 2.0.0\n"
    assert bluegreen_commands(block) == [("status", ["--json"]), ("deploy", ["--version"])]
    assert bluegreen_commands("pip install bluegreen-thing\n# bluegreen is great") == []
    assert code_blocks("a\n```bash\nbluegreen up\n```\nb\n") == ["bluegreen up\n"]


def test_the_docs_use_the_cli() -> None:
    subcommands = {sub for _, sub, _ in all_commands()}
    assert {"deploy", "rollback", "status", "history", "up", "down", "probe"} <= subcommands


@pytest.mark.parametrize(
    ("page", "subcommand", "flags"),
    all_commands(),
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_every_command_exists(page: str, subcommand: str | None, flags: list[str]) -> None:
    known = set(cli.commands)
    if subcommand is not None:
        assert subcommand in known, f"{page}: `bluegreen {subcommand}` does not exist ({known})"
    text = help_text(subcommand)
    for flag in flags:
        assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text), (
            f"{page}: `bluegreen {subcommand or ''} {flag}`: no such option"
        )
