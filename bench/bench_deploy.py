"""Deployment figures on the local platform: cutover, lead time, failed requests under load.

10 deploy + rollback cycles of the reference service (2 tasks) under 200 req/s of probe
traffic, on a platform of its own (temporary state dir, free ports), driven through the CLI:

- cutover: from the weight change to the first response of the new version, and to the last
  response of the old one (from the probe, per switch: 20 switches);
- lead time: from the `deploy` command's start to 100% on the new colour (its journal);
- failed requests: non-2xx or connection errors seen by the probe over all cycles.
Goals: 0 failed requests, cutover under 50 ms, lead time under 5 s.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.support.platform import free_port_run, make_short_dir

REPO = Path(__file__).resolve().parent.parent
BLUEGREEN = str(Path(sys.executable).with_name("bluegreen"))
CYCLES = 10
RPS = "200"


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
    config.write_text(
        "[local]\n"
        f'state_dir = "{state}"\nport = {free_port_run(3)}\nbase_port = {free_port_run(40)}\n'
        f'db_port = {free_port_run(1)}\napp_dir = "{REPO / "app"}"\n'
    )
    cutovers: list[float] = []
    last_old: list[float] = []
    leads: list[float] = []
    failed = sent = 0
    try:
        _run(config, "up", "--version", "1.0.0")
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
            print(f"cycle {cycle + 1}/{CYCLES}: lead {leads[-1]:.2f} s, failed so far {failed}")
    finally:
        subprocess.run([BLUEGREEN, "down", "--purge", "--config", str(config)], check=False)
        shutil.rmtree(root, ignore_errors=True)
    print(f"requests sent by the probe at {RPS} req/s: {sent}, failed: {failed}")
    print(
        f"cutover to the first new response over {len(cutovers)} switches: "
        f"median {statistics.median(cutovers):.1f} ms, worst {max(cutovers):.1f} ms"
    )
    print(
        f"last response from the old colour after the switch: median "
        f"{statistics.median(last_old):.1f} ms, worst {max(last_old):.1f} ms (requests in flight)"
    )
    print(
        f"deploy lead time (command start to 100% on the new colour, 2 tasks): "
        f"median {statistics.median(leads):.2f} s, worst {max(leads):.2f} s"
    )
