"""Deployment figures on the local platform: cutover, lead time, failed requests under load.

10 deploy + rollback cycles of the reference service (2 tasks, all-at-once, bake 0, no
migration) on a platform of its own (temporary state dir, free ports), driven through the CLI,
under two kinds of traffic, both open loop (a stall shows up as failures, not a slower probe):
- the bench's own load, BENCH_LOAD_RPS (default 300) req/s to the public URL from before
  the first deploy to after the last rollback: every request a user would have sent;
- each command's probe (--probe, BENCH_PROBE_RPS, default 200 req/s), which measures its
  switch.
Printed:
- failed requests (non-2xx or connection errors) of all sent, by both;
- cutover: from the weight change to the first response of the new version, and to the last
  response of the old one (from the command's probe, per switch: 20 switches);
- lead time: from the `deploy` command's start to 100% on the new colour (its journal).
Goals (issue 16): 0 failed of at least 50,000 requests, worst cutover at most 50 ms, lead
time median at most 3 s.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bluegreen.probe import Probe
from tests.support.platform import free_port_run, make_short_dir

REPO = Path(__file__).resolve().parent.parent
BLUEGREEN = str(Path(sys.executable).with_name("bluegreen"))
CYCLES = int(os.environ.get("BENCH_CYCLES", "10"))
RPS = os.environ.get("BENCH_PROBE_RPS", "200")
LOAD_RPS = float(os.environ.get("BENCH_LOAD_RPS", "300"))


def _run(config: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [BLUEGREEN, *args, "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bluegreen {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}


def _lead_time(state: Path, record: dict[str, Any], started: float) -> float:
    path = state / "deployments" / f"{record['id']}.jsonl"
    events = [json.loads(line) for line in path.read_text().splitlines() if line]
    shifted = [e for e in events if e["step"] == "shifted" and e["data"]["step"] == e["data"]["of"]]
    return float(shifted[-1]["at"]) - started


def main() -> None:
    """Run the cycles and print the figures."""
    root = make_short_dir("bgb")
    state = root / "state"
    config = root / "bluegreen.toml"
    port = free_port_run(3)
    config.write_text(
        "[local]\n"
        f'state_dir = "{state}"\nport = {port}\nbase_port = {free_port_run(40)}\n'
        f'db_port = {free_port_run(1)}\napp_dir = "{REPO / "app"}"\n'
    )
    load: Probe | None = None
    load_sent = load_failed = 0
    load_seconds = 0.0
    cutovers: list[float] = []
    last_old: list[float] = []
    leads: list[float] = []
    failed = sent = 0
    try:
        _run(config, "up", "--version", "1.0.0")
        load = Probe(f"http://127.0.0.1:{port}", LOAD_RPS).start()
        for cycle in range(CYCLES):
            started = time.time()
            deployed = _run(config, "deploy", "--version", f"2.0.{cycle}", "--probe", RPS, "--json")
            leads.append(_lead_time(state, deployed, started))
            rolled = _run(config, "rollback", "--probe", RPS, "--json")
            for record in (deployed, rolled):
                probe = record["probe"]
                failed += probe["failed"]
                sent += probe["sent"]
                cutover = probe.get("cutover") or {}
                if cutover.get("to_first_new_ms") is not None:
                    cutovers.append(cutover["to_first_new_ms"])
                last_old.append(cutover.get("to_last_old_ms") or 0.0)
            print(
                f"cycle {cycle + 1}/{CYCLES}: lead {leads[-1]:.2f} s, "
                f"probe failures so far {failed}",
                flush=True,
            )
        report = load.stop()
        load = None
        load_sent, load_failed, load_seconds = report.sent, report.failed, report.duration_s
        for sample in (s for s in report.samples if not s.ok):  # what failed, and how
            print(
                f"failed load request at +{sample.sent_at - report.started_at:.1f} s: "
                f"status {sample.status or 'none (connection error or timeout)'} after "
                f"{sample.latency_ms:.0f} ms"
            )
    finally:
        if load is not None:
            load.stop()
        subprocess.run([BLUEGREEN, "down", "--purge", "--config", str(config)], check=False)
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"failed requests: {load_failed + failed} of {load_sent + sent} "
        f"(the bench's load: {load_failed} of {load_sent} over {load_seconds:.0f} s at "
        f"{LOAD_RPS:.0f} req/s; the commands' probes at {RPS} req/s: {failed} of {sent})"
    )
    print(
        f"cutover to the first new response over {len(cutovers)} switches: "
        f"median {statistics.median(cutovers):.1f} ms, worst {max(cutovers):.1f} ms"
    )
    print(
        f"last response from the old colour after the switch: median "
        f"{statistics.median(last_old):.1f} ms, worst {max(last_old):.1f} ms (requests in flight)"
    )
    print(
        f"deploy lead time (command start to 100% on the new colour, 2 tasks, no migration): "
        f"median {statistics.median(leads):.2f} s, worst {max(leads):.2f} s (goal: median <= 3 s)"
    )
