"""Operator commands that change nothing: `config`, `render`, `diff` (added to the `cli` group)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from click.core import ParameterSource

from bluegreen.aws.taskdef_template import task_definition_diff
from bluegreen.cli_support import common_options, load
from bluegreen.model import parse_color
from bluegreen.operations.configuration import effective_config, read_file_data, read_outputs
from bluegreen.operations.releases import parse_env, resolve_release
from bluegreen.operations.taskdefs import render as render_revision
from bluegreen.output import emit, err_console


@click.command("config")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def config_command(
    ctx: click.Context, *, target: str | None, config_path: Path | None, as_json: bool
) -> None:
    """Print the effective configuration and where each value came from: default, file,
    environment, flag or Terraform outputs."""
    settings = load(target, config_path)
    from_env = frozenset(
        {"target"} if ctx.get_parameter_source("target") is ParameterSource.ENVIRONMENT else ()
    )
    rows = effective_config(
        settings,
        file_data=read_file_data(settings, config_path),
        flags={"target": target},
        from_environment=from_env,
        outputs=read_outputs(settings),
    )
    where = settings.source or "no file (defaults)"

    def human() -> None:
        err_console.print(f"# configuration: {where}", highlight=False)
        width = max(len(r.key) for r in rows)
        for row in rows:
            value = json.dumps(row.to_dict()["value"])
            click.echo(f"{row.key.ljust(width)} = {value}  # {row.source}")

    emit(as_json, [r.to_dict() for r in rows], human)


def _release_options(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(
        [
            click.option("--image", required=True, help="Image URI with tag."),
            click.option("--version", "version", help="Version (default: the image tag)."),
            click.option("--env", "env_pairs", multiple=True, metavar="KEY=VALUE", help="Env."),
            click.option(
                "--color",
                type=click.Choice(["blue", "green"]),
                help="The colour to render for (default: the idle one, as a deploy would).",
            ),
        ]
    ):
        func = option(func)
    return func


@click.command()
@common_options
@_release_options
def render(
    *,
    target: str | None,
    config_path: Path | None,
    image: str,
    version: str | None,
    env_pairs: tuple[str, ...],
    color: str | None,
) -> None:
    """Print the task-definition revision a deploy of --image would register (AWS)."""
    settings = load(target, config_path)
    release = resolve_release(settings, version=version, image=image, env=parse_env(env_pairs))
    rendered = render_revision(settings, release, parse_color(color) if color else None)
    source = "the template" if rendered.from_template else "a copy of the running revision"
    err_console.print(f"# {rendered.color}: rendered from {source}", highlight=False)
    click.echo(json.dumps(rendered.body, indent=2))


@click.command()
@common_options
@_release_options
def diff(
    *,
    target: str | None,
    config_path: Path | None,
    image: str,
    version: str | None,
    env_pairs: tuple[str, ...],
    color: str | None,
) -> None:
    """Compare the revision a deploy would register with what the colour runs (exit 1 when
    they differ, like diff(1))."""
    settings = load(target, config_path)
    release = resolve_release(settings, version=version, image=image, env=parse_env(env_pairs))
    rendered = render_revision(settings, release, parse_color(color) if color else None)
    running = rendered.running or {}
    name = str(running.get("taskDefinitionArn") or f"{rendered.color}: nothing registered")
    lines = task_definition_diff(running, rendered.body, running_name=name)
    if not lines:
        err_console.print(f"{rendered.color}: no difference from {name}", highlight=False)
        return
    click.echo("\n".join(lines))
    sys.exit(1)


OPERATOR_COMMANDS = (config_command, render, diff)
