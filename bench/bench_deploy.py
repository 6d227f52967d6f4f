"""Deployment figures on the local platform: failed requests, cutover and lead time under load.

BENCH_CYCLES (default 10) deploy + rollback cycles of the reference service (2 tasks,
all-at-once, bake 0, no migration) on a platform of its own (temporary state dir, free ports),
driven through the CLI as a user drives it, under one open-loop load of BENCH_LOAD_RPS
(default 205: timer jitter leaves the rate reached a fraction below the rate asked, and the
goal is 200 or more) GET requests per second to the public URL, from before the first deploy
to after the last rollback: every request a user would have sent, including those while the
old colour exits in the background. Each command is followed by BENCH_HOLD seconds (default 12) of
steady serving, as between real deploys; that also makes the run long enough for the goal's
50,000 requests at 200 req/s.

The same load measures each switch (20 of them): the switch time is the journal's final
`shift` (recorded just before the weights change, so the controller's own latency counts), the
old and new colours its `begin`; from the load's samples sent between this switch and the next:
- cutover: from the switch to the first answer of the new colour;
- last old: from the switch to the last answer of the old colour (requests in flight).
Printed: failed requests of all sent (and, for each failure, when and what the client raised),
the rate reached, cutover and last-old medians and worst, the deploy lead time (command start to
100% on the new colour), and each goal of issue 16 as met or not: 0 failed of at least 50,000
requests at 200 req/s or more, worst cutover at most 50 ms, lead time median at most 3 s.
The load generator runs in this process; its rate reached is printed so that a saturated
machine (the generator falling behind) shows, rather than hides.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import dataclass
from typing import Any

from bench import load_average, step_shares
from bench.rig import Rig
from bluegreen.probe import Probe, ProbeReport

CYCLES = int(os.environ.get("BENCH_CYCLES", "10"))
LOAD_RPS = float(os.environ.get("BENCH_LOAD_RPS", "205"))
HOLD = float(os.environ.get("BENCH_HOLD", "12"))
GOAL_REQUESTS, GOAL_RPS, GOAL_CUTOVER_MS, GOAL_LEAD_S = 50_000, 200.0, 50.0, 3.0


@dataclass(frozen=True)
class Switch:
    """One operation's switch of all traffic, from its journal."""

    at: float  # wall clock: the final `shift`, recorded before the weights change
    applied: float  # the `shifted` (or `restored`) after it: the weights have changed
    old: str | None
    new: str


def switch_of(journal_lines: list[str]) -> Switch:
    """The final shift (or a failure's restore) of one operation's journal lines."""
    events = [json.loads(line) for line in journal_lines if line.strip()]
    begin = next(e["data"] for e in events if e["step"] == "begin")
    switches = [
        e
        for e in events
        if (e["step"] == "shift" and e["data"]["step"] == e["data"]["of"]) or e["step"] == "restore"
    ]
    if not switches or not begin.get("new"):
        raise RuntimeError("the operation's journal has no switch of all traffic")
    old, new = begin.get("old"), begin["new"]
    last = switches[-1]
    if last["step"] == "restore":
        old, new = new, old
    done = "restored" if last["step"] == "restore" else "shifted"
    applied = next(e for e in events if e["step"] == done and e["seq"] > last["seq"])
    return Switch(float(last["at"]), float(applied["at"]), old, new)


def lead_time(journal_lines: list[str], started: float) -> float:
    """Seconds from `started` to the journal's last `shifted` to 100%."""
    events = [json.loads(line) for line in journal_lines if line.strip()]
    done = [e for e in events if e["step"] == "shifted" and e["data"]["step"] == e["data"]["of"]]
    return float(done[-1]["at"]) - started


def _run(rig: Rig, *args: str) -> dict[str, Any]:
    """`bluegreen ARGS`'s JSON record ({} when it prints none); RuntimeError naming the
    command when it fails."""
    done = rig.run(*args)
    if done.code != 0:
        raise RuntimeError(f"bluegreen {' '.join(args)} exited {done.code}: {done.message}")
    record = done.json()
    return record if isinstance(record, dict) else {}


def _cycles(rig: Rig) -> tuple[list[Switch], list[float]]:
    switches: list[Switch] = []
    leads: list[float] = []
    for cycle in range(CYCLES):
        started = time.time()
        deployed = rig.journal(_run(rig, "deploy", "--version", f"2.0.{cycle}", "--json")["id"])
        leads.append(lead_time(deployed, started))
        events = [json.loads(line) for line in deployed if line.strip()]
        step, longest = max(
            step_shares(events, started, started + leads[-1]).items(), key=lambda s: s[1]
        )
        switches.append(switch_of(deployed))
        time.sleep(HOLD)
        switches.append(switch_of(rig.journal(_run(rig, "rollback", "--json")["id"])))
        time.sleep(HOLD)
        print(
            f"cycle {cycle + 1}/{CYCLES}: lead {leads[-1]:.2f} s (longest step {step}: "
            f"{longest:.2f} s)",
            flush=True,
        )
    return switches, leads


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def _print(report: ProbeReport, switches: list[Switch], leads: list[float]) -> None:
    for sample in (s for s in report.samples if not s.ok):  # what failed, and how
        print(
            f"failed request at +{sample.sent_at - report.started_at:.1f} s: "
            f"{f'status {sample.status}' if sample.status else sample.error} "
            f"after {sample.latency_ms:.0f} ms"
        )
    # Sent over the span they were due in (first to last, plus one period): exactly the asked
    # rate when the generator kept its schedule, lower when it fell behind.
    span = report.samples[-1].sent_at - report.samples[0].sent_at + 1 / LOAD_RPS
    rate = report.sent / span
    print(
        f"failed requests: {report.failed} of {report.sent} over {report.duration_s:.0f} s; "
        f"asked {LOAD_RPS:.0f} req/s, reached {rate:.2f} req/s ({report.unsent} skipped: every "
        f"connection busy); goal 0 of >= {GOAL_REQUESTS:,} at >= {GOAL_RPS:.0f} req/s: "
        + _verdict(report.failed == 0 and report.sent >= GOAL_REQUESTS and rate >= GOAL_RPS)
    )
    ends = [s.at for s in switches[1:]] + [report.started_at + report.duration_s]
    windows = [report.window(s.at, end) for s, end in zip(switches, ends, strict=True)]
    firsts: list[float] = []
    lasts: list[float] = []
    for switch, window in zip(switches, windows, strict=True):
        figures = window.cutover(switch.at, switch.old, switch.new)
        if figures["to_first_new_ms"] is None:
            raise RuntimeError(f"no answer from {switch.new} after the switch at {switch.at}")
        firsts.append(figures["to_first_new_ms"])
        lasts.append(figures["to_last_old_ms"] or 0.0)
    print(
        f"cutover (switch to the first new answer) over {len(firsts)} switches: median "
        f"{statistics.median(firsts):.1f} ms, worst {max(firsts):.1f} ms; goal worst <= "
        f"{GOAL_CUTOVER_MS:.0f} ms: {_verdict(max(firsts) <= GOAL_CUTOVER_MS)}"
    )
    # Where the worst one's time went: before its first new answer was sent, or in it.
    n = firsts.index(max(firsts))
    worst = switches[n]
    first = next(s for s in windows[n].samples if s.ok and s.color == worst.new)
    print(
        f"the worst cutover: switch {n + 1} ({'deploy' if n % 2 == 0 else 'rollback'}): its "
        f"first new answer was sent {(first.sent_at - worst.at) * 1000:.1f} ms after the switch "
        f"and took {first.latency_ms:.1f} ms"
    )
    applied = [(s.applied - s.at) * 1000 for s in switches]
    print(
        f"of which the controller applying the weights (journal `shift` to `shifted`): "
        f"median {statistics.median(applied):.1f} ms, worst {max(applied):.1f} ms"
    )
    print(
        f"last answer of the old colour after the switch (requests in flight): median "
        f"{statistics.median(lasts):.1f} ms, worst {max(lasts):.1f} ms"
    )
    latencies = sorted(s.latency_ms for s in report.samples if s.ok)
    print(
        f"load latency: p50 {latencies[len(latencies) // 2]:.1f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99)]:.1f} ms"
    )
    print(
        f"deploy lead time (command start to 100% on the new colour) over {len(leads)} deploys: "
        f"median {statistics.median(leads):.2f} s, worst {max(leads):.2f} s, under this load "
        f"(the goal, median <= {GOAL_LEAD_S:.0f} s, is bench_leadtime's: without other load)"
    )


def main() -> None:
    """Run the cycles under load and print the figures."""
    rig = Rig.create("bgb", tasks=2, strategy="all-at-once", bake=0)
    load: Probe | None = None
    print(f"load average at the start: {load_average()}", flush=True)
    try:
        _run(rig, "up", "--version", "1.0.0")
        load = Probe(rig.url, LOAD_RPS).start()
        time.sleep(HOLD)
        switches, leads = _cycles(rig)
        report, load = load.stop(), None
    finally:
        if load is not None:
            load.stop()
        rig.destroy()
    print(f"load average at the end: {load_average()}")
    _print(report, switches, leads)


if __name__ == "__main__":
    main()
