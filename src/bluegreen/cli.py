"""The `bluegreen` command line: parses flags, calls one operation, prints, maps errors to exits.

The commands that change the platform are here; those that only read are in `cli_inspect`.

Exit codes: 0 success; 1 deployment failed and traffic restored; 2 usage or configuration
error, nothing changed; 3 another deployment holds the lock; 4 platform error.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from bluegreen import __version__, operations
from bluegreen.cli_inspect import READING_COMMANDS
from bluegreen.cli_operator import OPERATOR_COMMANDS
from bluegreen.cli_repair import REPAIR_COMMANDS
from bluegreen.cli_support import common_options, interrupt_on_sigterm, load, show_error, with_probe
from bluegreen.config import Settings
from bluegreen.console import RichProgress
from bluegreen.errors import BluegreenError, ConfigError, DeployError
from bluegreen.lifecycle import ApprovalPending
from bluegreen.operations.probing import probing
from bluegreen.operations.releases import parse_env, resolve_release
from bluegreen.output import (
    dry_run_json,
    emit,
    err_console,
    print_dry_run,
    print_probe,
    print_up,
    print_warnings,
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
@click.option(
    "--watch",
    type=click.FloatRange(min=1),
    metavar="SECONDS",
    help="Then supervise for SECONDS: restart what dies, traffic on the live colour (Ctrl-C).",
)
def up(
    *,
    target: str | None,
    config_path: Path | None,
    tasks: int | None,
    version: str,
    ref: str | None,
    command: str | None,
    env_pairs: tuple[str, ...],
    watch: float | None,
) -> None:
    """Start the local platform and deploy the first release as blue at 100%.

    With a recorded state, start only what is missing of it (PostgreSQL, HAProxy with all
    traffic on the last live colour, crashed tasks, the last live release) and say which.
    """
    settings = load(target, config_path, deploy={"tasks": tasks})
    result = operations.up(
        settings,
        RichProgress(err_console),
        version=version,
        command=command,
        env=parse_env(env_pairs),
        ref=ref,
    )
    print_up(result)
    if watch is not None:
        operations.watch(settings, RichProgress(err_console), seconds=watch)


@cli.command()
@common_options
@click.option("--purge", is_flag=True, help="Also delete .bluegreen/ (database, history, logs).")
def down(*, target: str | None, config_path: Path | None, purge: bool) -> None:
    """Stop the local platform (tasks, HAProxy, PostgreSQL); data is kept unless --purge."""
    evidence = operations.down(load(target, config_path), purge=purge)
    err_console.print("down" + (" (state purged)" if purge else " (state kept in .bluegreen/)"))
    if evidence is not None:
        where, count = evidence
        err_console.print(
            f"evidence of {count} failed operation{'s' if count != 1 else ''} (records, "
            f"journals, log tails) stays in {where}/",
            highlight=False,
        )


@cli.command()
@common_options
@click.option("--version", "version", help="Version of the release (its APP_VERSION).")
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
@click.option(
    "--detach",
    is_flag=True,
    help="With --approve: end this process at the pause (lock kept); promote/rollback finish.",
)
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
    detach: bool,
    **deploy_flags: Any,  # the [deploy] settings given as flags (--tasks ... --health-timeout)
) -> None:
    """Deploy a release to the idle colour and move traffic to it, or roll back on failure."""
    flags = {k: v for k, v in deploy_flags.items() if v is not None}
    settings = load(target, config_path, deploy=flags)
    release = resolve_release(
        settings, version=version, image=image, command=command, env=parse_env(env_pairs), ref=ref
    )
    if detach and not settings.deploy.approve:
        raise ConfigError("--detach hands the approval pause back: it needs --approve")
    provider = operations.provider_for(settings)
    request = DeployRequest.from_settings(settings, release, detach=detach)
    if dry_run:
        _dry_run(provider, request, probe_rps is not None or write_report, as_json)
        return
    deployment_id = new_deployment_id()
    error: DeployError | None = None
    record: DeploymentRecord | None = None
    with probing(provider, probe_rps, path=settings.deploy.probe_path) as probe:
        try:
            record = operations.deploy(
                provider, request, RichProgress(err_console), deployment_id=deployment_id
            )
        except DeployError as exc:  # report what the users saw before exiting 1
            error = exc
        except ApprovalPending as pending:
            _print_pending(pending, as_json)
            return
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
    print_warnings(done)


def _print_pending(pending: ApprovalPending, as_json: bool) -> None:
    """The documented line of a pause handed back (exit 0): `awaiting approval: <id> until …`."""
    until = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(pending.deadline))
    emit(
        as_json,
        {"id": pending.deployment_id, "state": "awaiting_approval", "deadline": pending.deadline},
        lambda: None,
    )
    err_console.print(
        f"awaiting approval: {pending.deployment_id} until {until}; run `bluegreen promote` "
        "or `bluegreen rollback` before then (later, the next command rolls it back)",
        highlight=False,
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
@click.option(
    "--to",
    "to_version",
    metavar="VERSION",
    help="Any release still in the history (default: the previous one).",
)
@click.option("--probe", "probe_rps", type=click.FloatRange(1, 5000), help="Probe at R req/s.")
@click.option("--json", "as_json", is_flag=True, help="Print the history record as JSON.")
def rollback(
    *,
    target: str | None,
    config_path: Path | None,
    reason: str | None,
    to_version: str | None,
    probe_rps: float | None,
    as_json: bool,
) -> None:
    """Put traffic back on the previous release (instantly while it still runs), or --to any
    release in the history: started on the idle colour, health-checked, then switched to."""
    settings = load(target, config_path)
    provider = operations.provider_for(settings)
    with probing(provider, probe_rps, path=settings.deploy.probe_path) as probe:
        record = operations.rollback(
            provider,
            RollbackRequest.from_settings(settings, reason=reason, to_version=to_version),
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
    print_warnings(record)


@cli.command()
@common_options
@click.option(
    "--wait",
    type=click.FloatRange(0, 86400),
    default=0,
    help="Seconds to wait for a deployment to reach its approval pause first.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the history record as JSON.")
def promote(*, target: str | None, config_path: Path | None, wait: float, as_json: bool) -> None:
    """Let a deployment paused by --approve make its final shift."""
    settings = load(target, config_path)
    provider = operations.provider_for(settings)
    deployment_id = operations.promote(
        provider,
        wait=wait,
        progress=RichProgress(err_console),
        analysis=settings.analysis,
        lease=settings.deploy.lock_lease,
    )
    record = provider.state.load_record(deployment_id)
    if record is not None and as_json:
        emit(True, record.to_dict(), lambda: None)
    err_console.print(f"promoted {deployment_id}")


for _command in (*READING_COMMANDS, *OPERATOR_COMMANDS, *REPAIR_COMMANDS):
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
