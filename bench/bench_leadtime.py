"""Deploy lead time on the local platform, per step, side by side with the code before.

`bluegreen deploy --version X` (2 tasks, all-at-once, bake 0) run as a user runs it, timed
from the command's start to its exit, alternating two variants on one platform:
- A, ours: this checkout;
- B, before: the controller as of BENCH_LEAD_BASELINE (a git commit, default the one before
  the lead-time work: the old colour's processes waited for until they exited, httpx and
  rich.progress imported by every command, `gunicorn --help` run before the first task, health
  read at most once a second), taken with `git archive` and put first on PYTHONPATH. Same
  venv, same app, same platform. Without that commit (a shallow clone) B is this checkout
  again, and the ratio is the A/A spread.
Each step's share comes from the deployment's journal (time from one event to the next).
Printed: the median wall clock of each variant, their ratio, the per-step medians, and the
load average at the start and the end (figures on a loaded machine are only comparable side by
side). BENCH_LEAD_RUNS (default 10) runs of each; without BENCH_LEAD_MIGRATE=1 the release's
migration command is `true` (no migration), with it the reference app's Alembic upgrade
(skipped by the controller when the release brings no revision the live one lacks).
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
from pathlib import Path

from tests.support.platform import free_port_run, make_short_dir

REPO = Path(__file__).resolve().parent.parent
BLUEGREEN = str(Path(sys.executable).with_name("bluegreen"))
RUNS = int(os.environ.get("BENCH_LEAD_RUNS", "10"))
MIGRATE = os.environ.get("BENCH_LEAD_MIGRATE", "0") == "1"
# The last commit before the lead-time work (issue 16, item 3).
BASELINE = os.environ.get("BENCH_LEAD_BASELINE", "3073e1b")


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


def _bluegreen(config: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    done = subprocess.run(
        [BLUEGREEN, *args, "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bluegreen {' '.join(args)} exited {done.returncode}: {done.stderr}")
    out = done.stdout.strip()
    return json.loads(out) if out.startswith("{") else {}


def _steps(state: Path, deployment_id: str, started: float) -> dict[str, float]:
    """Seconds from each journal event to the next (the first from the command's start)."""
    path = state / "deployments" / f"{deployment_id}.jsonl"
    events = [json.loads(line) for line in path.read_text().splitlines() if line]
    shares: dict[str, float] = defaultdict(float)
    before = started
    for event in events:
        shares[f"-> {event['step']}"] += float(event["at"]) - before
        before = float(event["at"])
    shares["after the last event"] = time.time() - before
    return shares


def main() -> None:
    """Alternate the variants and print the medians."""
    root = make_short_dir("bgl")
    state = root / "state"
    config = root / "bluegreen.toml"
    config.write_text(
        "[local]\n"
        f'state_dir = "{state}"\nport = {free_port_run(3)}\nbase_port = {free_port_run(40)}\n'
        f'db_port = {free_port_run(1)}\napp_dir = "{REPO / "app"}"\n'
        + ("" if MIGRATE else 'migrate_command = ["true"]\n')
        + '[deploy]\ntasks = 2\nstrategy = "all-at-once"\nbake = 0\n'
    )
    walls: dict[str, list[float]] = defaultdict(list)
    steps: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    baseline = _baseline_src(root)
    before = "B before" if baseline is not None else "B ours again (A/A)"
    variants = {
        "A ours": None,
        before: None if baseline is None else {**os.environ, "PYTHONPATH": str(baseline)},
    }
    print(f"B: {'the controller of ' + BASELINE if baseline else BASELINE + ' not found'}")
    print("load average at the start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    try:
        _bluegreen(config, "up", "--version", "1.0.0")
        for run in range(RUNS):
            for name, env in variants.items():
                version = f"2.{run}.{len(walls[name])}{name[0]}"
                started = time.time()
                record = _bluegreen(config, "deploy", "--version", version, "--json", env=env)
                walls[name].append(time.time() - started)
                for step, seconds in _steps(state, str(record["id"]), started).items():
                    steps[name][step].append(seconds)
            print(
                f"run {run + 1}/{RUNS}: "
                + ", ".join(f"{n} {w[-1]:.2f} s" for n, w in walls.items()),
                flush=True,
            )
    finally:
        subprocess.run([BLUEGREEN, "down", "--purge", "--config", str(config)], check=False)
        shutil.rmtree(root, ignore_errors=True)
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    medians = {name: statistics.median(w) for name, w in walls.items()}
    for name, median in medians.items():
        print(f"deploy wall clock, {name}: median {median:.2f} s over {len(walls[name])} runs")
    a, b = medians["A ours"], medians[before]
    print(f"ratio A/B: {a / b:.2f} (lower is faster)" + (" with a migration" if MIGRATE else ""))
    for name, table in steps.items():
        print(
            f"per step, {name} (median s): "
            + ", ".join(f"{step} {statistics.median(v):.2f}" for step, v in table.items())
        )


if __name__ == "__main__":
    main()
