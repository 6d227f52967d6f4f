"""Deploy lead time on the local platform, per step, side by side with the code before.

`bluegreen deploy` (2 tasks, all-at-once, bake 0) run as a user runs it, timed from the
command's start to its exit, alternating two controllers on one platform:
- A, ours: this checkout;
- B, before: the controller as of BENCH_LEAD_BASELINE (a git commit, default the one before
  the lead-time work: the old colour's processes waited for until they exited, httpx and
  rich.progress imported by every command, `gunicorn --help` run before the first task, health
  read at most once a second), taken with `git archive` and put first on PYTHONPATH. Same
  venv, same app, same platform. Without that commit (a shallow clone) B is this checkout
  again, and the ratio is the A/A spread.

Two variants, one after the other on the same platform, each with its goal (issue 16, item 3):
- (a) no migration: `deploy --version X`, the release's migration command is `true`;
  goal: A's median at most 3 s;
- (b) with a migration: `deploy --ref SHA --version X` run in a scratch git repository
  (`bench/scratch_repo.py`: a copy of this checkout's `app/`) where each deploy's commit adds
  one expanding Alembic revision (a nullable column) that the live release does not have, so
  the controller's expand/contract guard reads both releases' revisions and `alembic upgrade
  head` really migrates the platform's PostgreSQL; goal: A's median at most 5 s. B (3073e1b)
  already had `--ref` and the file-reading guard, so it runs the same commands.
Before each variant, one untimed warm-up deploy per controller (for (b) it builds the release
environment, shared by every commit with the same `app/pyproject.toml`, and runs the app's
own revisions). A deploy of (b) whose journal shows no `migrated` event fails the bench.

Each step's share comes from the deployment's journal (time from one event to the next).
Printed per variant: the median wall clock of each controller over BENCH_LEAD_RUNS (default
10) runs, their ratio, the per-step medians, the load average at the start and the end
(figures on a loaded machine are only comparable side by side) and the goal, met or not, from
A's median. Any failing command stops the bench with its error (non-zero exit); the platform
is always taken down (`down --purge`) and the temporary directory removed.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import load_average, step_shares
from bench.scratch_repo import ScratchRepo
from tests.support.platform import free_port_run, make_short_dir

REPO = Path(__file__).resolve().parent.parent
BLUEGREEN = str(Path(sys.executable).with_name("bluegreen"))
RUNS = int(os.environ.get("BENCH_LEAD_RUNS", "10"))
# The last commit before the lead-time work (issue 16, item 3).
BASELINE = os.environ.get("BENCH_LEAD_BASELINE", "3073e1b")
OURS = "A ours"

Env = dict[str, str] | None


@dataclass
class Figures:
    """What one variant measured: wall clocks and journal steps per controller."""

    title: str
    goal: float
    load_start: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_end: tuple[float, float, float] = (0.0, 0.0, 0.0)
    walls: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    steps: dict[str, dict[str, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )

    def medians(self) -> dict[str, float]:
        """Each controller's median wall clock."""
        return {name: statistics.median(w) for name, w in self.walls.items()}

    def goal_line(self) -> str:
        """Whether A's median meets the goal, from the figures."""
        median = self.medians()[OURS]
        verdict = "met" if median <= self.goal else "NOT met"
        return (
            f"goal, {self.title}: median of A at most {self.goal:.0f} s: {verdict} "
            f"(median {median:.2f} s over {len(self.walls[OURS])} runs, load average "
            f"{load_average(self.load_start)} at the start, "
            f"{load_average(self.load_end)} at the end)"
        )


def _baseline_src(root: Path) -> Path | None:
    """The controller's source at BASELINE, compiled, under `root` (None: commit unknown)."""
    archive = root / "baseline.tar"
    done = subprocess.run(
        ["git", "-C", str(REPO), "archive", "-o", str(archive), BASELINE, "src"],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        return None
    with tarfile.open(archive) as tar:
        tar.extractall(root / "baseline", filter="data")
    src = root / "baseline" / "src"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], check=True)
    return src


def _bluegreen(
    config: Path, *args: str, env: Env = None, cwd: Path | None = None
) -> dict[str, object]:
    done = subprocess.run(
        [BLUEGREEN, *args, "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=cwd,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bluegreen {' '.join(args)} exited {done.returncode}: {done.stderr}")
    out = done.stdout.strip()
    return json.loads(out) if out.startswith("{") else {}


def _journal(state: Path, deployment_id: str) -> list[dict[str, object]]:
    path = state / "deployments" / f"{deployment_id}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line]


@dataclass
class Bench:
    """One platform, the controllers to alternate, and the scratch repository of (b)."""

    config: Path
    state: Path
    controllers: dict[str, Env]
    scratch: ScratchRepo

    def deploy(self, figures: Figures | None, name: str, version: str, migrate: bool) -> None:
        """One deploy by controller `name`; timed into `figures` (None: a warm-up)."""
        env = self.controllers[name]
        if migrate:
            sha = self.scratch.add_revision()
            args = ["deploy", "--ref", sha, "--version", version, "--json"]
            cwd: Path | None = self.scratch.path
        else:
            args, cwd = ["deploy", "--version", version, "--json"], None
        started = time.time()
        record = _bluegreen(self.config, *args, env=env, cwd=cwd)
        ended = time.time()
        events = _journal(self.state, str(record["id"]))
        if migrate and not any(e["step"] == "migrated" for e in events):
            kinds = ", ".join(str(e["step"]) for e in events)
            raise RuntimeError(f"{name}: deploy {version} ran no migration (journal: {kinds})")
        if figures is None:
            print(f"warm-up, {name}: {ended - started:.2f} s", flush=True)
            return
        figures.walls[name].append(ended - started)
        for step, seconds in step_shares(events, started, ended).items():
            figures.steps[name][step].append(seconds)

    def measure(self, title: str, goal: float, *, migrate: bool) -> Figures:
        """A warm-up per controller, then RUNS alternating rounds of timed deploys."""
        print(f"\n--- variant: {title}", flush=True)
        figures = Figures(title, goal, load_start=os.getloadavg())
        print(f"load average at the start: {load_average(figures.load_start)}")
        prefix = "3" if migrate else "2"
        for name in self.controllers:
            self.deploy(None, name, f"{prefix}.0.0-warm{name[0]}", migrate)
        for run in range(RUNS):
            for name in self.controllers:
                self.deploy(figures, name, f"{prefix}.{run + 1}.0{name[0]}", migrate)
            print(
                f"run {run + 1}/{RUNS}: "
                + ", ".join(f"{n} {w[-1]:.2f} s" for n, w in figures.walls.items()),
                flush=True,
            )
        figures.load_end = os.getloadavg()
        print(f"load average at the end: {load_average(figures.load_end)}")
        return figures


def report(figures: Figures, say: Callable[[str], None] = print) -> None:
    """The medians, the ratio, the per-step medians and the goal of one variant."""
    say(f"\n=== {figures.title}")
    medians = figures.medians()
    for name, median in medians.items():
        runs = len(figures.walls[name])
        say(f"deploy wall clock, {name}: median {median:.2f} s over {runs} runs")
    (a, b) = medians.values()
    say(f"ratio A/B: {a / b:.2f} (lower is faster)")
    for name, table in figures.steps.items():
        say(
            f"per step, {name} (median s): "
            + ", ".join(f"{step} {statistics.median(v):.2f}" for step, v in table.items())
        )
    say(
        f"load average: {load_average(figures.load_start)} at the start, "
        f"{load_average(figures.load_end)} at the end"
    )
    say(figures.goal_line())


def main() -> None:
    """Measure both variants, alternating the controllers, and print their figures."""
    root = make_short_dir("bgl")
    state = root / "state"
    config = root / "bluegreen.toml"
    config.write_text(
        "[local]\n"
        f'state_dir = "{state}"\nport = {free_port_run(3)}\nbase_port = {free_port_run(40)}\n'
        f'db_port = {free_port_run(1)}\napp_dir = "{REPO / "app"}"\n'
        # The default release (variant a) migrates with `true`; a `--ref` release (variant b)
        # always brings its own `alembic upgrade head`.
        'migrate_command = ["true"]\n'
        '[deploy]\ntasks = 2\nstrategy = "all-at-once"\nbake = 0\n'
    )
    results: list[Figures] = []
    try:
        baseline = _baseline_src(root)
        before = "B before" if baseline is not None else "B ours again (A/A)"
        print(f"B: {'the controller of ' + BASELINE if baseline else BASELINE + ' not found'}")
        controllers: dict[str, Env] = {
            OURS: None,
            before: None if baseline is None else {**os.environ, "PYTHONPATH": str(baseline)},
        }
        bench = Bench(config, state, controllers, ScratchRepo.create(root / "repo", REPO))
        _bluegreen(config, "up", "--version", "1.0.0")
        results.append(
            bench.measure("(a) no migration (migrate command `true`)", 3.0, migrate=False)
        )
        results.append(
            bench.measure(
                "(b) with a migration (one pending expanding Alembic revision per deploy)",
                5.0,
                migrate=True,
            )
        )
    finally:
        subprocess.run([BLUEGREEN, "down", "--purge", "--config", str(config)], check=False)
        shutil.rmtree(root, ignore_errors=True)
    for figures in results:
        report(figures)


if __name__ == "__main__":
    main()
