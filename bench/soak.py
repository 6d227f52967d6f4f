"""Soak: hundreds of back-to-back deploys and rollbacks under load, every failure with evidence.

    python -m bench.soak --operations 200 [--tasks 2] [--minutes M] [--evidence DIR]
                         [--json out.json]

Not part of the default suite (it takes about an hour on two busy cores, several on a
machine shared with other work). `--minutes` is a budget: no operation starts after it, and
SIGINT/SIGTERM stop the same way; either way the summary covers the operations that ran and
says the soak stopped early (and why). One platform of
its own runs the reference app; reads and writes flow through the public URL the whole
time. Operations alternate: `deploy --version 3.0.<i>` (all at once), then `rollback`.

A failure is an operation that exits non-zero. For each one the evidence is kept (in DIR,
one JSON file per failure, and summarised on stdout) before anything else happens:
the command's exit code, stdout and stderr; `status --json`; the newest history record; the
journal of that deployment; the last lines of every task's log. Then the soak carries on
(an interrupted deployment is closed with `rollback`, as a user would).
At the end every acknowledged write is read back.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.load import Load, verify
from bench.rig import Outcome, Rig


def evidence(rig: Rig, outcome: Outcome) -> dict[str, Any]:
    """Everything a person needs to tell why `outcome` failed, read right after it."""
    status, status_run = rig.status()
    history = rig.run("history", "--json", "--limit", "1").json() or []
    record = history[0] if history else None
    newest = sorted(rig.journal_ids())
    deployment = record["id"] if record else (newest[-1] if newest else None)
    return {
        "command": f"bluegreen {' '.join(outcome.args)}",
        "exit": outcome.code,
        "seconds": round(outcome.seconds, 2),
        "stderr": outcome.err,
        "stdout": outcome.out[-4000:],
        "status": status if status is not None else {"error": status_run.err},
        "history_record": record,
        "journal_of": deployment,
        "journal": rig.journal(deployment) if deployment else [],
        "task_logs": rig.task_log_tails(),
    }


def _reason(outcome: Outcome) -> str:
    errors = [line for line in outcome.err.splitlines() if line.startswith("error:")]
    return errors[-1] if errors else outcome.message


class _Stop:
    """Why the soak stops before its last operation: a signal or the time budget."""

    def __init__(self, minutes: float | None) -> None:
        self.deadline = time.monotonic() + minutes * 60 if minutes else None
        self.why: str | None = None
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._signalled)

    def _signalled(self, signum: int, _frame: object) -> None:
        self.why = f"stopped by {signal.Signals(signum).name}"

    def now(self) -> bool:
        """Whether to start no more operations (the one running always finishes)."""
        if self.why is None and self.deadline is not None and time.monotonic() > self.deadline:
            self.why = "time budget used up"
        return self.why is not None


def soak(
    operations: int, tasks: int, evidence_dir: Path, minutes: float | None = None
) -> dict[str, Any]:
    """Run the operations; the figures and the failures (with where their evidence is)."""
    rig = Rig.create("bgs", tasks=tasks, health_timeout=90, drain_timeout=20)
    evidence_dir.mkdir(parents=True, exist_ok=True)
    failures: list[dict[str, Any]] = []
    per_op_failed: list[int] = []
    durations: list[float] = []
    load: Load | None = None
    stop = _Stop(minutes)
    started = time.monotonic()
    try:
        up = rig.run("up", "--version", "1.0.0", "--env", "WEB_WORKERS=1")
        if up.code != 0:
            raise RuntimeError(f"`bluegreen up` failed: {up.message}")
        load = Load(rig.url, read_rps=20, write_rps=5).start()
        for i in range(operations):
            if stop.now():
                print(f"{stop.why}: no operation after {i} of {operations}", flush=True)
                break
            args = (
                ("deploy", "--version", f"3.0.{i}", "--env", "WEB_WORKERS=1", "--json")
                if i % 2 == 0
                else ("rollback", "--json")
            )
            op_start = time.monotonic()
            outcome = rig.run(*args)
            failed, _ = load.window(op_start, time.monotonic())
            per_op_failed.append(failed)
            durations.append(outcome.seconds)
            line = (
                f"[{i + 1}/{operations}] {args[0]}: exit {outcome.code} in {outcome.seconds:.1f} s"
            )
            if outcome.code != 0:
                path = evidence_dir / f"failure-{i:03d}.json"
                path.write_text(json.dumps(evidence(rig, outcome), indent=1))
                failures.append({"op": i, "command": args[0], "exit": outcome.code,
                                 "reason": _reason(outcome), "evidence": str(path)})  # fmt: skip
                line += f": {_reason(outcome)} (evidence {path})"
                status, _ = rig.status()
                if status is None:
                    rig.run("up")
                elif status.get("deployment") is not None:
                    rig.run("rollback")
            print(line + (f", {failed} failed request(s)" if failed else ""), flush=True)
        load.stop()
        lost = verify(rig.url, load.acknowledged)
        sent_failed, sent = load.totals()
    finally:
        if load is not None:
            load.stop()
        rig.destroy()
    ordered = sorted(durations)
    return {
        "operations": len(per_op_failed),
        "planned": operations,
        "stopped_early": stop.why,
        "minutes": round((time.monotonic() - started) / 60, 1),
        "seconds_per_operation": {
            "median": round(ordered[len(ordered) // 2], 1) if ordered else None,
            "max": round(ordered[-1], 1) if ordered else None,
        },
        "failures": failures,
        "failures_by_reason": dict(Counter(f["reason"] for f in failures)),
        "requests": {"sent": sent, "failed": sent_failed},
        "operations_with_failed_requests": sum(1 for n in per_op_failed if n),
        "acknowledged_writes": len(load.acknowledged),
        "writes_lost": lost,
    }


def summary(report: dict[str, Any]) -> list[str]:
    """The closing lines, each quotable as it stands."""
    req = report["requests"]
    pace = report["seconds_per_operation"]
    early = f" (stopped early: {report['stopped_early']})" if report["stopped_early"] else ""
    lines = [
        "",
        f"soak: {report['operations']} of {report['planned']} back-to-back deploy/rollback "
        f"operations under load in {report['minutes']} min{early}; "
        f"{len(report['failures'])} failed",
    ]
    lines += [f"  {n} x {reason}" for reason, n in report["failures_by_reason"].items()]
    for f in report["failures"]:
        lines.append(
            f"  op {f['op']} {f['command']}: exit {f['exit']}: {f['reason']} "
            f"(evidence {f['evidence']})"
        )
    lines += [
        f"seconds per operation: median {pace['median']}, max {pace['max']}",
        f"requests: {req['sent']} sent, {req['failed']} failed "
        f"(during {report['operations_with_failed_requests']} operation(s))",
        f"acknowledged writes: {report['acknowledged_writes']}, lost: {len(report['writes_lost'])}",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Parse, run, print; exit 1 when an operation failed or a write was lost."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--operations", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--evidence", default="soak-evidence", help="directory for evidence files")
    parser.add_argument("--minutes", type=float, help="start no operation after this many")
    parser.add_argument("--json", dest="json_path", help="also write the summary as JSON here")
    args = parser.parse_args(argv)
    if args.operations < 1:
        parser.error("--operations must be >= 1")
    report = soak(args.operations, args.tasks, Path(args.evidence), args.minutes)
    for line in summary(report):
        print(line)
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(report, indent=1))
    return 1 if report["failures"] or report["writes_lost"] else 0


if __name__ == "__main__":
    sys.exit(main())
