"""Chaos on the local platform: deploys, rollbacks and canaries under load, with processes killed.

    python -m bench.chaos --seed 7 --operations 8 [--faults haproxy,task] [--json out.json]

One platform of its own (temporary directory, free ports) runs the reference app with
PostgreSQL. While reads and writes flow through the public URL, each operation (an
all-at-once deploy, a canary or a rollback, seeded) gets one fault (seeded, every kind in
turn): SIGKILL of HAProxy, of a task's gunicorn master, of PostgreSQL's postmaster, or of
the controller itself. The fault lands once the operation reaches a seeded phase (tasks
starting, the first traffic shift, the drain), plus a seeded delay.

Then the platform is recovered only with documented commands, each rung of a ladder tried
while the invariants (bench.invariants) still fail. Two ladders (seeded per operation):
*resume* (`up`; `rollback`; `unlock --force` + `rollback`; `down` + `up` + `rollback`), as
the status hints suggest, and *restart* (`down` + `up`; `rollback`; `unlock --force` +
`rollback`), as a user who restarts the platform first. A command after which the live
release is neither the one before the operation nor its target is a *detour* (the platform
serves, but another release). When no rung works the fault is a *dead end*: its state and
every command's message are reported, and the run goes on with a purged platform
(`down --purge`, the only way left, which deletes the database).

Figures per fault: failed requests from the fault to recovery, and the time to recover.
At the end every acknowledged write is read back.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from bench import faults
from bench.invariants import RELEASE_CHANGED, blocking, settle
from bench.load import Load, served, verify
from bench.rig import Outcome, Rig

IDLE = ("\0", "after the operation (idle)")  # a marker no progress line has
# (substring of the controller's progress that opens the phase, the phase's name)
PHASES = {
    "deploy": (("starting", "tasks starting"), ("traffic:", "traffic shifted"),
               ("draining", "old colour draining"), IDLE),
    "canary": (("starting", "tasks starting"), ("traffic:", "canary step"),
               ("draining", "old colour draining"), IDLE),
    "rollback": (("", "rollback started"), ("traffic:", "traffic shifted"), IDLE),
}  # fmt: skip
Rung = tuple[tuple[str, ...], ...]
LADDERS: dict[str, tuple[Rung, ...]] = {
    "resume": (
        (("up",),),
        (("rollback",),),
        (("unlock", "--force"), ("rollback",)),
        (("down",), ("up",), ("rollback",)),
    ),
    "restart": (
        (("down",), ("up",)),
        (("rollback",),),
        (("unlock", "--force"), ("rollback",)),
    ),
    # What issue 15 asks of the two commands: `up` starts whatever is missing, `rollback`
    # starts the last live release when no colour is healthy.
    "short": ((("up",),), (("rollback",),)),
}
OP_TIMEOUT = 240.0


@dataclass
class FaultRun:
    """One operation, its fault, and how the platform came back (or did not)."""

    index: int
    operation: str
    fault: str
    phase: str
    delay_s: float
    ladder: str = "resume"
    injected: str = ""
    progress_at_fault: str = ""
    op_result: str = ""
    commands: list[str] = field(default_factory=list)
    recovered: bool = False
    recovery_s: float | None = None
    failed: int = 0
    sent: int = 0
    violations: list[str] = field(default_factory=list)
    detours: list[str] = field(default_factory=list)
    false_claims: list[str] = field(default_factory=list)
    state_at_dead_end: dict[str, Any] | None = None

    @property
    def dead_end(self) -> bool:
        """No documented command brought the platform back."""
        return not self.recovered


@dataclass(frozen=True)
class Scenario:
    """One operation and the fault it gets."""

    operation: str  # deploy, canary or rollback
    fault: str  # one of bench.faults.KINDS
    phase: int  # index into PHASES[operation]
    delay_s: float = 0.0  # after the phase opens
    ladder: str = "resume"
    victim: str = "any"  # task faults: a task of the "old" (live before) or "new" colour


def plan(seed: int, operations: int, kinds: tuple[str, ...]) -> list[Scenario]:
    """One scenario per operation, from `seed`: every fault kind in turn."""
    rng = random.Random(seed)
    order = list(kinds)
    rng.shuffle(order)
    steps = []
    for i in range(operations):
        op = "deploy" if i == 0 else rng.choice(("deploy", "canary", "rollback"))
        phase = rng.randrange(len(PHASES[op]))
        delay = round(rng.uniform(0.0, 1.5), 2)
        ladder = rng.choice(("resume", "restart"))
        steps.append(Scenario(op, order[i % len(order)], phase, delay, ladder))
    return steps


def _op_args(op: str, version: str) -> tuple[str, ...]:
    if op == "rollback":
        return ("rollback", "--reason", "chaos")
    extra = ("--strategy", "canary", "--canary-percent", "20", "--interval", "4")
    return ("deploy", "--version", version, "--env", "WEB_WORKERS=1",
            *(extra if op == "canary" else ()))  # fmt: skip


def _describe(outcome: Outcome | None) -> str:
    if outcome is None:
        return f"still running after {OP_TIMEOUT:.0f} s"
    return f"exit {outcome.code}: {outcome.message}"


_LIVE_CLAIM = re.compile(r"live: (blue|green) (\S+)\s*$")


def _false_live_claim(result: Outcome, rig: Rig) -> list[str]:
    """The command's last line says "live: <colour> <version>": is that what `status` says?"""
    lines = result.err.strip().splitlines()
    claim = _LIVE_CLAIM.search(lines[-1]) if lines else None
    if claim is None:
        return []
    status, _ = rig.status()
    live = (status or {}).get("live")
    version = status["colors"][live]["version"] if status and live in ("blue", "green") else None
    if (live, version) == (claim[1], claim[2]):
        return []
    return [f"`bluegreen {' '.join(result.args)}` ends '{lines[-1].strip()}', status says "
            f"live {live} {version}"]  # fmt: skip


def _live_version(rig: Rig) -> str | None:
    status, _ = rig.status()
    if status is None or status.get("live") not in ("blue", "green"):
        return None
    version = status["colors"][status["live"]]["version"]
    return str(version) if version else None


class Chaos:
    """A seeded chaos run on one platform."""

    def __init__(
        self, seed: int, *, tasks: int = 2, log: bool = True, settle_s: float = 15.0
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed + 1)
        self.tasks = tasks
        self.log = log
        self.settle_s = settle_s
        self.rig = Rig.create("bgk", tasks=tasks, health_timeout=90, drain_timeout=20)
        self.load: Load | None = None
        self.lives: list[str] = []
        self.runs: list[FaultRun] = []
        self.unverifiable = 0  # acknowledged writes deleted by a purge after a dead end
        self.broken = False  # the last fault was a dead end

    def say(self, text: str) -> None:
        """Progress on stderr."""
        if self.log:
            print(text, file=sys.stderr, flush=True)

    def start(self) -> None:
        """`up` the platform and start the load."""
        result = self.rig.run("up", "--version", "1.0.0", "--env", "WEB_WORKERS=1")
        if result.code != 0:
            raise RuntimeError(f"`bluegreen up` failed: {result.message}")
        self.lives = ["1.0.0"]
        self.load = Load(self.rig.url).start()

    def close(self) -> None:
        """Stop the load and remove the platform."""
        if self.load is not None:
            self.load.stop()
        self.rig.destroy()

    def operation(self, index: int, scenario: Scenario) -> FaultRun:
        """Run one operation with its fault, then recover and check."""
        if self.broken:
            self._purge_and_restart()
        assert self.load is not None
        op, kind, delay = scenario.operation, scenario.fault, scenario.delay_s
        marker, phase_name = PHASES[op][scenario.phase]
        run = FaultRun(index, op, kind, phase_name, delay, scenario.ladder)
        version = f"2.{self.seed}.{index}"
        status, _ = self.rig.status()
        old = (status or {}).get("live")
        before = _live_version(self.rig) or self.lives[-1]
        target = (
            version if op != "rollback" else (self.lives[-2] if len(self.lives) > 1 else before)
        )
        controller = self.rig.spawn(*_op_args(op, version))
        while controller.proc.poll() is None and not any(
            marker in line for _, line in controller.lines
        ):
            time.sleep(0.05)
        time.sleep(delay)
        fault_at = time.monotonic()
        run.progress_at_fault = controller.last_line()
        if controller.proc.poll() is not None and (marker, phase_name) != IDLE:
            run.phase += " (the operation had already ended: fault while idle)"
        colour = {"old": old, "new": {"blue": "green", "green": "blue"}.get(str(old))}
        run.injected = faults.inject(
            kind, self.rig, controller, self.rng, colour.get(scenario.victim)
        )
        self.say(f"[{index}] {op} / {run.phase}: {run.injected}")
        outcome = controller.wait(OP_TIMEOUT)
        if outcome is None:
            controller.proc.kill()
            outcome = controller.wait(30)
        run.op_result = _describe(outcome)
        serving, why = served(self.rig.url)
        if outcome is not None and "restored" in outcome.err and not serving:
            run.false_claims.append(f"the operation says traffic was restored, but {why}")
        # A deploy or rollback that says it succeeded must leave its target live.
        allowed = {target} if outcome is not None and outcome.code == 0 else {before, target}
        self._recover(run, allowed, fault_at)
        live = _live_version(self.rig) if run.recovered else None
        if live and live != self.lives[-1]:
            self.lives.append(live)
        return run

    def _recover(self, run: FaultRun, allowed: set[str], fault_at: float) -> None:
        assert self.load is not None
        run.violations = settle(self.rig, allowed, self.settle_s)
        for rung in LADDERS[run.ladder]:
            if not blocking(run.violations):
                break
            for args in rung:
                result = self.rig.run(*args)
                run.commands.append(f"`bluegreen {' '.join(args)}` → {_describe(result)}")
                self.say(f"    {run.commands[-1]}")
            run.violations = settle(self.rig, allowed, self.settle_s)
            run.false_claims += _false_live_claim(result, self.rig)
            run.detours += [
                f"after {run.commands[-1]}: {v}"
                for v in run.violations
                if v.startswith(RELEASE_CHANGED)
            ]
        done_at = time.monotonic()
        run.failed, run.sent = self.load.window(fault_at, done_at)
        if not blocking(run.violations):
            run.recovered = True
            run.recovery_s = round(done_at - fault_at, 2)
            return
        status, outcome = self.rig.status()
        run.state_at_dead_end = status or {"status_error": outcome.message}
        self.say(f"    DEAD END: {run.violations}")
        self.broken = True  # the next operation starts on a purged platform

    def _purge_and_restart(self) -> None:
        """The only way out of a dead end today: delete everything and start again."""
        assert self.load is not None
        self.load.stop()
        self.unverifiable += len(self.load.acknowledged)
        self.rig.run("down", "--purge", timeout=120)
        self.start()
        self.broken = False

    def run(self, operations: int, kinds: tuple[str, ...]) -> dict[str, Any]:
        """Every operation in turn; the report."""
        self.start()
        assert self.load is not None
        for index, scenario in enumerate(plan(self.seed, operations, kinds)):
            self.runs.append(self.operation(index, scenario))
        self.load.stop()
        lost = verify(self.rig.url, self.load.acknowledged)
        failed, sent = self.load.totals()
        return {
            "seed": self.seed,
            "operations": operations,
            "faults": [asdict(r) for r in self.runs],
            "acknowledged_writes": len(self.load.acknowledged),
            "writes_lost": lost,
            "writes_unverifiable_after_purge": self.unverifiable,
            "requests": {"sent": sent, "failed": failed},
        }


def render(report: dict[str, Any]) -> str:
    """The figures as a person reads them."""
    lines = [f"chaos seed {report['seed']}: {len(report['faults'])} faults injected"]
    head = f"{'#':>2} {'operation':9} {'fault':10} {'phase':24} {'failed/sent':>12} {'recovery':>9}"
    lines += [head, "-" * len(head)]
    for f in report["faults"]:
        recovery = f"{f['recovery_s']:.1f} s" if f["recovered"] else "DEAD END"
        lines.append(
            f"{f['index']:>2} {f['operation']:9} {f['fault']:10} {f['phase'][:24]:24} "
            f"{f['failed']:>5}/{f['sent']:<6} {recovery:>9}"
        )
    for f in report["faults"]:
        lines.append(
            f"\n[{f['index']}] {f['operation']}, {f['fault']} during {f['phase']}, "
            f"{f['ladder']} ladder"
        )
        lines.append(f"    injected: {f['injected']} (progress: {f['progress_at_fault']!r})")
        lines.append(f"    operation: {f['op_result']}")
        lines += [f"    then {c}" for c in f["commands"]] or ["    then nothing needed"]
        lines += [f"    detour {d}" for d in f["detours"]]
        lines += [f"    false claim: {c}" for c in f["false_claims"]]
        if not f["recovered"]:
            lines += [f"    DEAD END, still violated: {v}" for v in f["violations"]]
    lines.append(
        f"\nacknowledged writes: {report['acknowledged_writes']}, "
        f"lost: {len(report['writes_lost'])}, not checkable (purged after a dead end): "
        f"{report['writes_unverifiable_after_purge']}"
    )
    lines += [f"    lost {w}" for w in report["writes_lost"][:20]]
    req = report["requests"]
    lines.append(f"requests: {req['sent']} sent, {req['failed']} failed over the whole run")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run, print the report; exit 1 when an invariant was broken."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.chaos", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--operations", type=int, default=8)
    parser.add_argument(
        "--faults",
        default=",".join(faults.KINDS),
        help=f"comma-separated kinds among {', '.join(faults.KINDS)}",
    )
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--json", dest="json_path", help="also write the report as JSON here")
    args = parser.parse_args(argv)  # fmt: skip
    kinds = tuple(k for k in args.faults.split(",") if k)
    unknown = [k for k in kinds if k not in faults.KINDS]
    if unknown or args.operations < 1:
        parser.error(f"unknown faults {unknown}" if unknown else "--operations must be >= 1")
    chaos = Chaos(args.seed, tasks=args.tasks)
    try:
        report = chaos.run(args.operations, kinds)
    finally:
        chaos.close()
    print(render(report))
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=1)
    broken = report["writes_lost"] or any(not f["recovered"] for f in report["faults"])
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
