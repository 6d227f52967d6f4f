"""What the CLI prints: tables and one-line summaries, on rich consoles.

Only formatting: every figure comes from an operation's result.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bluegreen.dryrun import call_json
from bluegreen.dryrun.calls import Wait
from bluegreen.operations.deploy import DryRunResult
from bluegreen.operations.platforms import UpResult
from bluegreen.records import DeploymentRecord

# Off a terminal (CI logs, pipes) rich would wrap at 80 columns; tables read better wider.
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
out_console = Console(width=None if sys.stdout.isatty() else 160)


def emit(as_json: bool, data: Any, human: Callable[[], None]) -> None:
    """JSON on stdout, or the human form."""
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        human()


def print_warnings(record: DeploymentRecord) -> None:
    """What the record's notes say went wrong without failing it (a post hook, an undo)."""
    for note in record.notes:
        err_console.print(f"[yellow]warning:[/yellow] {escape(note)}", highlight=False)


def print_probe(summary: dict[str, Any]) -> None:
    """The probe's figures, and the cutover when one was measured."""
    versions = ", ".join(f"{v}: {n}" for v, n in sorted(summary["by_version"].items()))
    unsent = summary.get("unsent") or 0
    skipped = f" ({unsent} not sent: every connection still waited for an answer)" if unsent else ""
    err_console.print(
        f"probe: {summary['sent']} requests{skipped}, [bold]{summary['failed']} failed[/bold], "
        f"{versions}; p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms",
        highlight=False,
    )
    cutover = summary.get("cutover")
    if cutover:
        err_console.print(
            f"cutover: first response from the new version {cutover['to_first_new_ms']} ms after "
            f"the switch, last from the old {cutover['to_last_old_ms']} ms after",
            highlight=False,
        )


def print_status(data: dict[str, Any]) -> None:
    """The colours table, the deployment in progress and the last outcome."""
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
    if data.get("disagreement"):
        out_console.print(f"[bold red]disagreement:[/] {data['disagreement']}", highlight=False)
    deployment = data.get("deployment")
    if deployment:
        out_console.print(
            f"deployment {deployment['id']}: {deployment['state']} at step {deployment['step']}",
            highlight=False,
        )
        if deployment.get("scale_in_held"):
            held = ", ".join(deployment["scale_in_held"])
            out_console.print(f"  autoscaling scale-in held on {held}", highlight=False)
        if deployment.get("hint"):
            out_console.print(f"  hint: {deployment['hint']}", highlight=False)
        _print_evidence(deployment.get("evidence") or [])
    left = data.get("scale_in_held")
    if left:
        out_console.print(
            f"[bold yellow]autoscaling scale-in still held[/] on {', '.join(left['colors'])} "
            f"by {left['by']}: {left['hint']}",
            highlight=False,
        )
    last = data.get("last_deployment")
    if last:
        reason = f" ({last['reason']})" if last.get("reason") else ""
        out_console.print(f"last: {last['operation']} {last['id']} {last['outcome']}{reason}")
        _print_evidence(last.get("evidence") or [])


def _print_evidence(rows: Sequence[dict[str, Any]]) -> None:
    """One line per judged step: verdict, the new colour's figures, the baseline, why."""

    def rate(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1%}"

    for row in rows:
        line = (
            f"  {row['during']}: {row['verdict']}: {row['requests']} req, "
            f"{row['errors']} 5xx ({rate(row['error_rate'])})"
        )
        if row.get("baseline_requests") is not None:
            line += (
                f"; old colour {row['baseline_requests']} req ({rate(row['baseline_error_rate'])})"
            )
        if row.get("reason"):
            line += f": {row['reason']}"
        out_console.print(line, highlight=False)


def print_history(records: Sequence[DeploymentRecord]) -> None:
    """One row per operation, newest first."""
    table = Table(title="history")
    for column in ("id", "operation", "who", "from", "to", "strategy", "outcome", "seconds"):
        table.add_column(column)
    for r in records:
        table.add_row(
            r.id,
            r.operation,
            r.who,
            f"{r.old.color or '-'} {r.old.version or ''}",
            f"{r.new.color or '-'} {r.new.version or ''}",
            r.strategy or "",
            r.outcome.value + (f": {r.reason}" if r.reason else ""),
            f"{r.duration_s:.1f}",
        )
    out_console.print(table)


def dry_run_json(result: DryRunResult) -> dict[str, Any]:
    """`deploy --dry-run --json`: the plan, the record a real run would save, its error."""
    return {
        "dry_run": True,
        "plan": [call_json(call) for call in result.plan],
        "record": result.record.to_dict() if result.record else None,
        "error": result.error.message if result.error else None,
    }


def print_dry_run(result: DryRunResult) -> None:
    """The plan on stdout, one change or wait a line; what it amounts to on stderr."""
    for call in result.plan:
        click.echo(f"[dry-run] {call.describe()}")
    changes = sum(1 for call in result.plan if not isinstance(call, Wait))
    waited = sum(call.seconds for call in result.plan if isinstance(call, Wait))
    ending = "would fail and restore traffic" if result.error else "would succeed"
    err_console.print(
        f"dry run: {changes} change(s) and {waited:.0f} s of waiting planned; the deployment "
        f"{ending}; nothing was changed",
        highlight=False,
    )


def print_up(result: UpResult) -> None:
    """What `up` did: the first deployment, what it started again, or nothing."""
    for line in result.actions:
        err_console.print(f"up: {line}", highlight=False)
    if result.record is None and not result.actions:
        err_console.print(
            f"already up: {result.color} runs {result.version or '?'} at {result.url} "
            "(nothing changed)",
            highlight=False,
        )
        return
    if result.color is None:
        err_console.print("up: no colour is live; `bluegreen deploy` a release", highlight=False)
        return
    err_console.print(
        f"up: {result.color} ({result.version or '?'}) is live at {result.url}", highlight=False
    )
    click.echo(result.url)
