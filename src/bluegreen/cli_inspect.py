"""The commands that only read: what is live (`status`), what happened (`history`, `report`),
how the service answers (`probe`). `cli` registers them on the `bluegreen` group."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bluegreen import operations
from bluegreen.cli_support import common_options, load
from bluegreen.output import emit, print_history, print_probe, print_status
from bluegreen.probe import Probe


@click.command()
@common_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(*, target: str | None, config_path: Path | None, as_json: bool) -> None:
    """Live colour, weights, versions, health, and any deployment in progress or interrupted."""
    settings = load(target, config_path)
    data = operations.status(operations.provider_for(settings))
    emit(as_json, data, lambda: print_status(data))


@click.command()
@common_options
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def history(*, target: str | None, config_path: Path | None, limit: int, as_json: bool) -> None:
    """Past deployments and rollbacks, newest first."""
    settings = load(target, config_path)
    records = operations.history(operations.provider_for(settings), limit=limit)
    emit(as_json, [r.to_dict() for r in records], lambda: print_history(records))


@click.command()
@common_options
@click.option("--rps", type=click.FloatRange(1, 5000), default=50, show_default=True)
@click.option("--duration", type=click.FloatRange(0.1, 3600), default=10, show_default=True)
@click.option("--url", help="URL to probe (default: the platform's public URL).")
@click.option("--path", help="Path requested (default: deploy.probe_path, else /).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def probe(
    *,
    target: str | None,
    config_path: Path | None,
    rps: float,
    duration: float,
    url: str | None,
    path: str | None,
    as_json: bool,
) -> None:
    """Send constant-rate requests and report failures, versions and latency."""
    settings = load(target, config_path)
    base = url or operations.provider_for(settings).snapshot().url
    report = Probe(base, rps, path=path or settings.deploy.probe_path).run_for(duration)
    emit(as_json, report.summary(), lambda: print_probe(report.summary()))
    if report.failed:
        sys.exit(1)


@click.command()
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

    settings = load(target, config_path)
    provider = operations.provider_for(settings)
    path = write_report(settings, provider, deployment_id, out=out, png=png, markdown=markdown)
    click.echo(str(path))
    if open_page:
        import webbrowser  # noqa: PLC0415

        webbrowser.open(path.resolve().as_uri())


READING_COMMANDS = (status, history, probe, report)
