"""The `bluegreen` command line: parses flags, calls one operation, prints, maps errors to exits.

Exit codes: 0 success; 1 deployment failed and traffic restored; 2 usage or configuration
error, nothing changed; 3 another deployment holds the lock; 4 platform error.
"""

from __future__ import annotations

import json
import shlex
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bluegreen import __version__, operations
from bluegreen.config import Settings, load_settings
from bluegreen.console import RichProgress
from bluegreen.deployment import DeployRequest
from bluegreen.errors import BluegreenError, ConfigError, DeployError
from bluegreen.journal import DryRunClock
from bluegreen.model import Release
from bluegreen.plan import Strategy
from bluegreen.probe import Probe, ProbeReport
from bluegreen.provider import Provider
from bluegreen.state import new_deployment_id

F = TypeVar("F", bound=Callable[..., Any])
# Off a terminal (CI logs, pipes) rich would wrap at 80 columns; tables read better wider.
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
out_console = Console(width=None if sys.stdout.isatty() else 160)


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
        help="Platform to act on (default: `target` in bluegreen.toml, else local).",
    )(func)


def _settings(target: str | None, config_path: Path | None, **sections: Any) -> Settings:
    overrides: dict[str, Any] = {"target": target}
    overrides.update({k: v for k, v in sections.items() if v})
    return load_settings(config_path, overrides)


def _provider(settings: Settings, *, dry_run: bool = False) -> Provider:
    if settings.target == "aws":
        from bluegreen.providers.aws import AwsProvider  # noqa: PLC0415 - boto3 only for aws

        return AwsProvider(settings, dry_run=dry_run)
    if dry_run:
        raise ConfigError("--dry-run is for --target aws; the local platform is a rehearsal")
    from bluegreen.providers.local import LocalProvider  # noqa: PLC0415 - lazy like aws

    return LocalProvider(settings)


def _parse_env(pairs: Sequence[str]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not key.replace("_", "a").isalnum():
            raise ConfigError(
                f"--env {pair!r}: expected KEY=VALUE with a KEY of letters, digits, _"
            )
        env[key] = value
    return env


def _release(
    settings: Settings,
    *,
    version: str | None,
    image: str | None,
    command: str | None,
    env: dict[str, str],
    ref: str | None = None,
) -> Release:
    if settings.target == "aws":
        if not image:
            raise ConfigError("--image is required with --target aws (an image URI with a tag)")
        tag = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else None
        resolved = version or tag
        if not resolved:
            raise ConfigError("--version is required when the image has no tag")
        return Release(
            version=resolved,
            image=image,
            env=env,
            migrate_command=settings.aws.migrate_command,
            source=image,
        )
    if image:
        raise ConfigError("--image is for --target aws; locally use --version (and --command)")
    if ref:
        from bluegreen.local.releases import release_from_ref  # noqa: PLC0415

        return release_from_ref(settings, ref, version=version, env=env)
    if not version:
        raise ConfigError("--version is required (the version the release reports)")
    from bluegreen.providers.local import default_release  # noqa: PLC0415

    parsed = tuple(shlex.split(command)) if command else None
    return default_release(settings, version, command=parsed, env=env)


def _request(
    settings: Settings, release: Release, reason: str | None = None, *, dry_run: bool = False
) -> DeployRequest:
    d = settings.deploy
    return DeployRequest(
        release=release,
        tasks=d.tasks,
        strategy=Strategy.from_settings(d),
        bake=d.bake,
        approve=d.approve,
        approve_timeout=d.approve_timeout,
        health_timeout=d.health_timeout,
        drain_timeout=d.drain_timeout,
        smoke=d.smoke,
        analysis=settings.analysis,
        lock_lease=d.lock_lease,
        reason=reason,
        dry_run=dry_run,
    )


def _emit(as_json: bool, data: Any, human: Callable[[], None]) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        human()


@contextmanager
def _probing(
    provider: Provider, rps: float | None, deployment_id: str, settings: Settings
) -> Iterator[list[ProbeReport]]:
    """Run the probe around an operation when asked; the report lands in the yielded list."""
    reports: list[ProbeReport] = []
    if not rps:
        yield reports
        return
    probe = Probe(provider.snapshot().url, rps).start()
    try:
        yield reports
    finally:
        report = probe.stop()
        reports.append(report)
        _save_probe(provider, report, deployment_id, settings)


def _save_probe(
    provider: Provider, report: ProbeReport, deployment_id: str, settings: Settings
) -> dict[str, Any]:
    events = provider.state.events(deployment_id)
    begin = next((e.data for e in events if e.step == "begin"), {})
    finals = [e for e in events if e.step == "shift" and e.data.get("step") == e.data.get("of")]
    finals += [e for e in events if e.step == "restore"]
    cutover: dict[str, Any] = {}
    if finals and begin:
        old, new = begin.get("old"), begin.get("new")
        last = finals[-1]
        if last.step == "restore":
            old, new = new, old
        if new:
            cutover = report.cutover(last.at, old, new)
    extra = {"deployment_id": deployment_id, "cutover": cutover}
    report.save(settings.local.state_dir / "probes" / f"{deployment_id}.json", extra)
    return {**report.summary(), **extra}


def _print_probe(report: ProbeReport, cutover: dict[str, Any] | None = None) -> None:
    s = report.summary()
    versions = ", ".join(f"{v}: {n}" for v, n in sorted(s["by_version"].items()))
    err_console.print(
        f"probe: {s['sent']} requests, [bold]{s['failed']} failed[/bold], {versions}; "
        f"p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms",
        highlight=False,
    )
    if cutover:
        err_console.print(
            f"cutover: first response from the new version {cutover['to_first_new_ms']} ms after "
            f"the switch, last from the old {cutover['to_last_old_ms']} ms after",
            highlight=False,
        )


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
    settings = _settings(target, config_path, deploy={"tasks": tasks})
    if settings.target != "local":
        raise ConfigError("`up` starts the local platform; on AWS, Terraform creates it")
    env = _parse_env(env_pairs)
    from bluegreen.local.platform import LocalPlatform  # noqa: PLC0415

    progress = RichProgress(err_console)
    started = LocalPlatform(settings).up()
    provider = _provider(settings)
    snapshot = provider.snapshot()
    if not started and snapshot.live is not None:
        live = snapshot.colors[snapshot.live].release
        err_console.print(
            f"already up: {snapshot.live} runs {live.version if live else '?'} at {snapshot.url} "
            "(nothing changed)",
            highlight=False,
        )
        return
    release = _release(settings, version=version, image=None, command=command, env=env, ref=ref)
    operations.deploy(provider, _request(settings, release), progress)
    err_console.print(f"up: {release.version} is live at {snapshot.url}", highlight=False)
    click.echo(snapshot.url)


@cli.command()
@common_options
@click.option("--purge", is_flag=True, help="Also delete .bluegreen/ (database, history, logs).")
def down(*, target: str | None, config_path: Path | None, purge: bool) -> None:
    """Stop the local platform (tasks, HAProxy, PostgreSQL); data is kept unless --purge."""
    settings = _settings(target, config_path)
    if settings.target != "local":
        raise ConfigError("`down` stops the local platform; on AWS use `terraform destroy`")
    from bluegreen.local.platform import LocalPlatform  # noqa: PLC0415

    LocalPlatform(settings).down(purge=purge)
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
@click.option("--dry-run", is_flag=True, help="AWS: print every call the deploy would make.")
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
    tasks: int | None,
    strategy: str | None,
    canary_percent: int | None,
    step_percent: int | None,
    interval: float | None,
    bake: float | None,
    approve: bool | None,
    approve_timeout: float | None,
    smoke: str | None,
    health_timeout: float | None,
    probe_rps: float | None,
    write_report: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Deploy a release to the idle colour and move traffic to it, or roll back on failure."""
    flags = {
        "tasks": tasks,
        "strategy": strategy,
        "canary_percent": canary_percent,
        "step_percent": step_percent,
        "interval": interval,
        "bake": bake,
        "approve": approve,
        "approve_timeout": approve_timeout,
        "smoke": smoke,
        "health_timeout": health_timeout,
    }
    settings = _settings(
        target, config_path, deploy={k: v for k, v in flags.items() if v is not None}
    )
    env = _parse_env(env_pairs)
    release = _release(settings, version=version, image=image, command=command, env=env, ref=ref)
    provider = _provider(settings, dry_run=dry_run)
    progress = RichProgress(err_console)
    deployment_id = new_deployment_id()
    error: DeployError | None = None
    with _probing(provider, probe_rps, deployment_id, settings) as reports:
        try:
            outcome = operations.deploy(
                provider,
                _request(settings, release, dry_run=dry_run),
                progress,
                deployment_id=deployment_id,
                clock=DryRunClock() if dry_run else None,
            )
        except DeployError as exc:  # report what the users saw before exiting 1
            error = exc
    summary = _save_probe(provider, reports[0], deployment_id, settings) if reports else None
    if reports and summary and not as_json:
        _print_probe(reports[0], summary.get("cutover"))
    if write_report:
        _write_report(settings, provider, deployment_id)
    if error is not None:
        raise error
    record = {**outcome.record, "probe": summary}
    _emit(
        as_json,
        record,
        lambda: err_console.print(
            f"[green]deployed[/green] {record['to']['version']} to {record['to']['color']} "
            f"in {record['duration_s']:.1f} s",
            highlight=False,
        ),
    )


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
    settings = _settings(target, config_path)
    provider = _provider(settings)
    progress = RichProgress(err_console)
    template = _request(settings, Release(version="unused"), reason=reason)
    deployment_id = new_deployment_id()
    with _probing(provider, probe_rps, deployment_id, settings) as reports:
        record = operations.rollback(provider, template, progress, deployment_id=deployment_id)
    if reports:
        summary = _save_probe(provider, reports[0], str(record.get("id", deployment_id)), settings)
        record = {**record, "probe": summary}
        if not as_json:
            _print_probe(reports[0], summary.get("cutover"))
    live = record.get("to") or {}
    _emit(
        as_json,
        record,
        lambda: err_console.print(
            f"[green]rolled back[/green]: {record.get('outcome')}; "
            f"live: {live.get('color')} {live.get('version')}",
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
    settings = _settings(target, config_path)
    deployment_id = operations.promote(_provider(settings), wait=wait)
    err_console.print(f"promoted {deployment_id}")


@cli.command()
@common_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(*, target: str | None, config_path: Path | None, as_json: bool) -> None:
    """Live colour, weights, versions, health, and any deployment in progress or interrupted."""
    settings = _settings(target, config_path)
    data = operations.status(_provider(settings))
    _emit(as_json, data, lambda: _print_status(data))


def _print_status(data: dict[str, Any]) -> None:
    table = Table(title=f"{data['target']}: {data['url']}  live: {data['live']}")
    for column in ("colour", "weight", "version", "tasks", "healthy", "in flight"):
        table.add_column(column)
    for color, info in data["colors"].items():
        table.add_row(
            color,
            f"{data['weights'][color]}%",
            str(info["version"] or "-"),
            str(info["tasks"]),
            str(info["healthy"]),
            str(info.get("in_flight", 0)),
        )
    out_console.print(table)
    deployment = data.get("deployment")
    if deployment:
        out_console.print(
            f"deployment {deployment['id']}: {deployment['state']} at step {deployment['step']}",
            highlight=False,
        )
        if deployment.get("hint"):
            out_console.print(f"  hint: {deployment['hint']}", highlight=False)
    last = data.get("last_deployment")
    if last:
        reason = f" ({last['reason']})" if last.get("reason") else ""
        out_console.print(f"last: {last['operation']} {last['id']} {last['outcome']}{reason}")


@cli.command()
@common_options
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def history(*, target: str | None, config_path: Path | None, limit: int, as_json: bool) -> None:
    """Past deployments and rollbacks, newest first."""
    settings = _settings(target, config_path)
    records = list(_provider(settings).state.history(limit=limit))
    _emit(as_json, records, lambda: _print_history(records))


def _print_history(records: list[Any]) -> None:
    table = Table(title="history")
    for column in ("id", "operation", "who", "from", "to", "strategy", "outcome", "seconds"):
        table.add_column(column)
    for r in records:
        table.add_row(
            r["id"],
            r["operation"],
            r.get("who") or "",
            f"{r['from']['color'] or '-'} {r['from']['version'] or ''}",
            f"{r['to']['color'] or '-'} {r['to']['version'] or ''}",
            str(r.get("strategy") or ""),
            r["outcome"] + (f": {r['reason']}" if r.get("reason") else ""),
            f"{r.get('duration_s') or 0:.1f}",
        )
    out_console.print(table)


@cli.command()
@common_options
@click.option("--rps", type=click.FloatRange(1, 5000), default=50, show_default=True)
@click.option("--duration", type=click.FloatRange(0.1, 3600), default=10, show_default=True)
@click.option("--url", help="URL to probe (default: the platform's public URL).")
@click.option("--path", default="/", show_default=True, help="Path requested.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def probe(
    *,
    target: str | None,
    config_path: Path | None,
    rps: float,
    duration: float,
    url: str | None,
    path: str,
    as_json: bool,
) -> None:
    """Send constant-rate requests and report failures, versions and latency."""
    settings = _settings(target, config_path)
    base = url or _provider(settings).snapshot().url
    report = Probe(base, rps, path=path).run_for(duration)
    _emit(as_json, report.summary(), lambda: _print_probe(report))
    if report.failed:
        sys.exit(1)


@cli.command()
@common_options
@click.argument("deployment_id", required=False)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="HTML file to write.")
@click.option("--png", type=click.Path(path_type=Path, dir_okay=False), help="Also write a PNG.")
@click.option(
    "--markdown",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also append a Markdown summary (e.g. $GITHUB_STEP_SUMMARY).",
)
@click.option("--open", "open_page", is_flag=True, help="Open the page in a browser.")
def report(
    *,
    target: str | None,
    config_path: Path | None,
    deployment_id: str | None,
    out: Path | None,
    png: Path | None,
    markdown: Path | None,
    open_page: bool,
) -> None:
    """Write the self-contained HTML report of a deployment (the last one by default)."""
    from bluegreen.report import write_report  # noqa: PLC0415 - matplotlib is slow to import

    settings = _settings(target, config_path)
    provider = _provider(settings)
    path = write_report(settings, provider, deployment_id, out=out, png=png, markdown=markdown)
    click.echo(str(path))
    if open_page:
        import webbrowser  # noqa: PLC0415

        webbrowser.open(path.resolve().as_uri())


@cli.command()
@common_options
@click.option("--force", is_flag=True, help="Also break a lock whose holder looks alive.")
def unlock(*, target: str | None, config_path: Path | None, force: bool) -> None:
    """Clear a deploy lock left behind (prefer `rollback`, which also restores traffic)."""
    settings = _settings(target, config_path)
    provider = _provider(settings)
    holder = provider.state.lock_holder()
    if holder is None:
        err_console.print("the lock is free")
        return
    if provider.state.holder_alive(holder) and not force:
        raise ConfigError(
            f"deployment {holder.deployment_id} is still running (pid {holder.pid} on "
            f"{holder.host})",
            hint="wait for it, or pass --force if you know it is gone",
        )
    provider.state.break_lock(holder.deployment_id)
    err_console.print(f"lock of {holder.deployment_id} cleared")


def _interrupt_on_sigterm(_signum: int, _frame: object) -> None:
    # A cancelled CI job sends SIGTERM: treat it like Ctrl-C, so a deployment in progress puts
    # traffic back and releases its lock instead of dying half-way.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the CLI and turn errors into one message and an exit code."""
    signal.signal(signal.SIGTERM, _interrupt_on_sigterm)
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
        err_console.print(f"[bold red]error:[/bold red] {escape(exc.message)}", highlight=False)
        if exc.hint:
            err_console.print(f"  hint: {escape(exc.hint)}", highlight=False)
        return exc.exit_code
    return 0
