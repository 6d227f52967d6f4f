"""What every command shares: its options, loading settings, error display, SIGTERM."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.markup import escape

from bluegreen.config import Settings, load_settings
from bluegreen.errors import BluegreenError
from bluegreen.output import err_console
from bluegreen.records import DeploymentRecord

F = TypeVar("F", bound=Callable[..., Any])


def common_options(func: F) -> F:
    """--target and --config, on every command."""
    func = click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        envvar="BLUEGREEN_CONFIG",
        help="Configuration file (default: $BLUEGREEN_CONFIG, else ./bluegreen.toml if present).",
    )(func)
    return click.option(
        "--target",
        type=click.Choice(["local", "aws"]),
        envvar="BLUEGREEN_TARGET",
        help="Platform to act on (default: $BLUEGREEN_TARGET, else `target` in bluegreen.toml, "
        "else local).",
    )(func)


def load(target: str | None, config_path: Path | None, **sections: Any) -> Settings:
    """The effective settings: file, environment, then the flags given."""
    overrides: dict[str, Any] = {"target": target}
    overrides.update({k: v for k, v in sections.items() if v})
    return load_settings(config_path, overrides)


def with_probe(record: DeploymentRecord, summary: dict[str, Any] | None) -> dict[str, Any]:
    """The JSON `deploy --json` and `rollback --json` print: the record plus the probe."""
    return {**record.to_dict(), "probe": summary}


def show_error(exc: BluegreenError) -> None:
    """One message on stderr, with the hint on what to do next."""
    err_console.print(f"[bold red]error:[/bold red] {escape(exc.message)}", highlight=False)
    if exc.hint:
        err_console.print(f"  hint: {escape(exc.hint)}", highlight=False)


def interrupt_on_sigterm(_signum: int, _frame: object) -> None:
    """A cancelled CI job sends SIGTERM: treat it like Ctrl-C, so a deployment in progress puts
    traffic back and releases its lock instead of dying half-way."""
    raise KeyboardInterrupt
