"""The `bluegreen` command line: parses flags, calls one operation, prints, maps errors to exits.

The commands that change the platform are here; those that only read are in `cli_inspect`.

Exit codes: 0 success; 1 deployment failed and traffic restored; 2 usage or configuration
error, nothing changed; 3 another deployment holds the lock; 4 platform error.
"""

from __future__ import annotations

import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from bluegreen import __version__, operations
from bluegreen.cli_inspect import READING_COMMANDS
from bluegreen.cli_support import common_options, interrupt_on_sigterm, load, show_error, with_probe
from bluegreen.config import Settings
from bluegreen.console import RichProgress
from bluegreen.errors import BluegreenError, DeployError
from bluegreen.operations.probing import probing
from bluegreen.operations.releases import parse_env, resolve_release
from bluegreen.output import (
    dry_run_json,
    emit,
    err_console,
    print_dry_run,
    print_probe,
)
from bluegreen.provider import Provider
from bluegreen.records import DeploymentRecord
from bluegreen.request import DeployRequest, RollbackRequest
from bluegreen.state import new_deployment_id

# ---------------------------------------------------------------------------- commands


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="bluegreen")
def cli() -> None:
    """Zero-downtime blue-green deployments: rehearse locally, run on AWS ECS Fargate.

    \b
    bluegreen up                                    local platform, 1.0.0 live on blue
    bluegreen deploy --version 2.0.0 --probe 100    to the idle colour, measured
    bluegreen deploy --version 2.1.0 --strategy canary --interval 30 --bake 120
    bluegreen deploy --ref my-branch                rehearse a git ref
    bluegreen status | history | report             what is live, what happened
    bluegreen rollback                              instant while the old colour is warm
    bluegreen deploy --target aws --image URI:TAG   the same on ECS Fargate

    Every shift step and the bake are watched (5xx rate, unhealthy targets, alarms, p99 on
    AWS); a breach puts traffic back on the old colour at once. Exit codes: 0 ok, 1 deployment
    failed and traffic restored, 2 bad input or config (nothing changed), 3 locked by another
    deployment, 4 platform error.
    """


@cli.command()
@common_options
@click.option("--tasks", type=click.IntRange(1, 16), help="Tasks of the first release.")
@click.option("--version", "version", default="1.0.0", show_default=True, help="First version.")
@click.option("--ref", help="Build the first release from this git ref of the repository.")
@click.option("--command", help="Command that runs one task (default: the reference app).")
@click.option("--env", "env_pairs", multiple=True, metavar="KEY=VALUE", help="Env (repeat).")
def up(
    *,
    target: str | None,
    config_path: Path | None,
    tasks: int | None,
    version: str,
    ref: str | None,
    command: str | None,
    env_pairs: tuple[str, ...],
) -> None:
    """Start the local platform and deploy the first release as blue at 100%."""
    settings = load(target, config_path, deploy={"tasks": tasks})
    result = operations.up(
        settings,
        RichProgress(err_console),
        version=version,
        command=command,
        env=parse_env(env_pairs),
        ref=ref,
    )
    if result.record is None:
        err_console.print(
            f"already up: {result.color} runs {result.version or '?'} at {result.url} "
            "(nothing changed)",
            highlight=False,
        )
        return
    err_console.print(f"up: {result.version} is live at {result.url}", highlight=False)
    click.echo(result.url)


@cli.command()
@common_options
@click.option("--purge", is_flag=True, help="Also delete .bluegreen/ (database, history, logs).")
def down(*, target: str | None, config_path: Path | None, purge: bool) -> None:
    """Stop the local platform (tasks, HAProxy, PostgreSQL); data is kept unless --purge."""
    operations.down(load(target, config_path), purge=purge)
    err_console.print("down" + (" (state purged)" if purge else " (state kept in .bluegreen/)"))


@cli.command()
@common_options
@click.option("--version", "version", help="Version of the release (reported by /health).")
@click.option("--image", help="AWS: image URI with tag (the version defaults to the tag).")
@click.option("--ref", help="Local: build the release from this git ref of the repository.")
@click.option("--command", help="Local: command that runs one task (default: the reference app).")
@click.option(
    "--env", "env_pairs", multiple=True, metavar="KEY=VALUE", help="Release env (repeat)."
)
@click.option("--tasks", type=click.IntRange(1, 16), help="Tasks of the new colour.")
@click.option("--strategy", type=click.Choice(["all-at-once", "canary", "linear"]))
@click.option("--canary-percent", type=click.IntRange(1, 99), help="Canary share (default 10).")
@click.option("--step-percent", type=click.IntRange(1, 99), help="Linear step (default 25).")
@click.option("--interval", type=click.FloatRange(0, 3600), help="Seconds each step holds.")
@click.option("--bake", type=click.FloatRange(0, 86400), help="Seconds the old colour stays warm.")
@click.option("--approve/--no-approve", default=None, help="Pause before the final shift.")
@click.option("--approve-timeout", type=click.FloatRange(1, 604800), help="Then roll back.")
@click.option("--smoke", help="Command run against the new colour (BLUEGREEN_TARGET_URL).")
@click.option("--health-timeout", type=click.FloatRange(1, 3600), help="Seconds to turn healthy.")
@click.option("--probe", "probe_rps", type=click.FloatRange(1, 5000), help="Probe at R req/s.")
@click.option("--report", "write_report", is_flag=True, help="Write the HTML report at the end.")
@click.option("--dry-run", is_flag=True, help="AWS: print every change the deploy would make.")
@click.option("--json", "as_json", is_flag=True, help="Print the history record as JSON.")
def deploy(
    *,
    target: str | None,
    config_path: Path | None,
    version: str | None,
    image: str | None,
    ref: str | None,
    command: str | None,
    env_pairs: tuple[str, ...],
    probe_rps: float | None,
    write_report: bool,
    dry_run: bool,
    as_json: bool,
    **deploy_flags: Any,  # the [deploy] settings given as flags (--tasks ... --health-timeout)
) -> None:
    """Deploy a release to the idle colour and move traffic to it, or roll back on failure."""
    flags = {k: v for k, v in deploy_flags.items() if v is not None}
    settings = load(target, config_path, deploy=flags)
    release = resolve_release(
        settings, version=version, image=image, command=command, env=parse_env(env_pairs), ref=ref
    )
    provider = operations.provider_for(settings)
    request = DeployRequest.from_settings(settings, release)
    if dry_run:
        _dry_run(provider, request, probe_rps is not None or write_report, as_json)
        return
    deployment_id = new_deployment_id()
    error: DeployError | None = None
    record: DeploymentRecord | None = None
    with probing(provider, probe_rps) as probe:
        try:
            record = operations.deploy(
                provider, request, RichProgress(err_console), deployment_id=deployment_id
            )
        except DeployError as exc:  # report what the users saw before exiting 1
            error = exc
    summary = probe.save(provider.state, settings.local.state_dir, deployment_id)
    if summary and not as_json:
        print_probe(summary)
    if write_report:
        _write_report(settings, provider, deployment_id)
    if error is not None or record is None:
        raise error or DeployError("the deployment ended without a record")
    done = record
    emit(
        as_json,
        with_probe(done, summary),
        lambda: err_console.print(
            f"[green]deployed[/green] {done.new.version} to {done.new.color} "
            f"in {done.duration_s:.1f} s",
            highlight=False,
        ),
    )


def _dry_run(provider: Provider, request: DeployRequest, measured: bool, as_json: bool) -> None:
    if measured:
        raise click.UsageError("--probe and --report measure a real deploy; --dry-run changes none")
    err_console.print("dry run: nothing is changed; the plan follows", highlight=False)
    result = operations.deploy_dry_run(provider, request, RichProgress(err_console))
    emit(as_json, dry_run_json(result), lambda: print_dry_run(result))
    if result.error is not None:
        raise result.error


def _write_report(settings: Settings, provider: Provider, deployment_id: str) -> None:
    from bluegreen.report import write_report  # noqa: PLC0415 - matplotlib is slow to import

    path = write_report(settings, provider, deployment_id)
    err_console.print(f"report: {path.resolve()}", highlight=False)


@cli.command()
@common_options
@click.option("--reason", help="Why (recorded in the history).")
@click.option("--probe", "probe_rps", type=click.FloatRange(1, 5000), help="Probe at R req/s.")
@click.option("--json", "as_json", is_flag=True, help="Print the history record as JSON.")
def rollback(
    *,
    target: str | None,
    config_path: Path | None,
    reason: str | None,
    probe_rps: float | None,
    as_json: bool,
) -> None:
    """Put traffic back on the previous release (instantly while it still runs)."""
    settings = load(target, config_path)
    provider = operations.provider_for(settings)
    with probing(provider, probe_rps) as probe:
        record = operations.rollback(
            provider,
            RollbackRequest.from_settings(settings, reason=reason),
            RichProgress(err_console),
        )
    if record is None:
        raise DeployError(
            "the deployment told to roll back ended without a history record",
            hint="run `bluegreen status` and `bluegreen history`",
        )
    summary = probe.save(provider.state, settings.local.state_dir, record.id)
    if summary and not as_json:
        print_probe(summary)
    emit(
        as_json,
        with_probe(record, summary),
        lambda: err_console.print(
            f"[green]rolled back[/green]: {record.outcome.value}; "
            f"live: {record.new.color} {record.new.version}",
            highlight=False,
        ),
    )


@cli.command()
@common_options
@click.option(
    "--wait",
    type=click.FloatRange(0, 86400),
    default=0,
    help="Seconds to wait for a deployment to reach its approval pause first.",
)
def promote(*, target: str | None, config_path: Path | None, wait: float) -> None:
    """Let a deployment paused by --approve make its final shift."""
    settings = load(target, config_path)
    deployment_id = operations.promote(operations.provider_for(settings), wait=wait)
    err_console.print(f"promoted {deployment_id}")


@cli.command()
@common_options
@click.option("--force", is_flag=True, help="Also break a lock whose holder looks alive.")
def unlock(*, target: str | None, config_path: Path | None, force: bool) -> None:
    """Clear a deploy lock left behind (prefer `rollback`, which also restores traffic)."""
    settings = load(target, config_path)
    holder = operations.unlock(operations.provider_for(settings), force=force)
    if holder is None:
        err_console.print("the lock is free")
        return
    err_console.print(f"lock of {holder.deployment_id} cleared")


for _command in READING_COMMANDS:
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the CLI and turn errors into one message and an exit code."""
    signal.signal(signal.SIGTERM, interrupt_on_sigterm)
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="bluegreen",
            standalone_mode=False,
        )
    except click.exceptions.Abort:
        err_console.print("aborted")
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2
    except BluegreenError as exc:
        show_error(exc)
        return exc.exit_code
    return 0
