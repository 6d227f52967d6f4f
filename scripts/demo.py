"""`make demo`: the seed's manual validation, automated, on the local platform.

up 1.0.0 -> write items -> deploy 2.0.0 under probe traffic -> write on green -> rollback under
probe -> all items still there -> canary deploy of 2.0.0 with its report -> figures and history.
The platform is left running; `make down` (or `bluegreen down`) stops it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
BLUEGREEN = str(REPO / ".venv" / "bin" / "bluegreen")
PROBE_RPS = "100"


def release_before_note() -> list[str]:
    """`up` arguments for 1.0.0: the service as it was before revision 0002 added items.note.

    1.0.0 is built from that commit (`--ref`), so the demo shows 2.0.0's expanding migration
    running while 1.0.0, which does not know the column, keeps serving. Outside a git checkout
    the current code stands in for 1.0.0.
    """
    found = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", "app/migrations/versions/0002_*"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    added = found.stdout.split()
    return ["--ref", f"{added[-1]}~1"] if found.returncode == 0 and added else []


def say(message: str) -> None:
    """A demo headline."""
    print(f"\n\033[1;36m==> {message}\033[0m", flush=True)


def bluegreen(*args: str) -> Any:
    """Run the CLI (its progress shows on stderr); parse stdout as JSON when there is some."""
    done = subprocess.run(
        [BLUEGREEN, *args], cwd=REPO, stdout=subprocess.PIPE, text=True, check=False
    )
    if done.returncode != 0:
        print(f"demo: `bluegreen {' '.join(args)}` exited {done.returncode}", file=sys.stderr)
        sys.exit(done.returncode)
    out = done.stdout.strip()
    return json.loads(out) if out.startswith(("{", "[")) else out


def write_items(url: str, names: list[str], note: str | None = None) -> list[int]:
    """POST each name; the ids the service acknowledged."""
    ids = []
    with httpx.Client(base_url=url, timeout=10) as client:
        for name in names:
            body = {"name": name} if note is None else {"name": name, "note": note}
            response = client.post("/items", json=body)
            response.raise_for_status()
            ids.append(response.json()["item"]["id"])
    return ids


def existing(url: str, ids: list[int]) -> list[int]:
    """Which of `ids` the service still has."""
    with httpx.Client(base_url=url, timeout=10) as client:
        return [i for i in ids if client.get(f"/items/{i}").status_code == 200]


def figures(label: str, record: dict[str, Any]) -> dict[str, Any]:
    """One row of the closing table."""
    probe = record.get("probe") or {}
    cutover = probe.get("cutover") or {}
    return {
        "step": label,
        "outcome": record.get("outcome"),
        "seconds": record.get("duration_s"),
        "requests": probe.get("sent"),
        "failed": probe.get("failed"),
        "first new (ms)": cutover.get("to_first_new_ms"),
        "last old (ms)": cutover.get("to_last_old_ms"),
    }


def print_table(rows: list[dict[str, Any]]) -> None:
    """A plain text table."""
    headers = list(rows[0])
    widths = [max(len(h), *(len(str(r[h])) for r in rows)) for h in headers]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        print("  ".join(str(row[h]).ljust(w) for h, w in zip(headers, widths, strict=True)))


def main() -> int:
    """Run the rehearsal."""
    started = time.monotonic()
    say("bluegreen up: PostgreSQL, HAProxy and 2 gunicorn tasks of 1.0.0 as blue")
    bluegreen("up", "--version", "1.0.0", *release_before_note())
    status = bluegreen("status", "--json")
    url = status["url"]
    print(f"live: {status['live']} {status['colors'][status['live']]['version']} at {url}")

    say("write 3 items through the load balancer")
    ids = write_items(url, ["first", "second", "third"])
    print(f"created items {ids}")

    rows = []
    say(
        f"deploy 2.0.0 to the idle colour under {PROBE_RPS} req/s of probe traffic "
        "(its revision 0002 adds items.note while 1.0.0 keeps serving)"
    )
    rows.append(
        figures(
            "deploy 2.0.0",
            bluegreen("deploy", "--version", "2.0.0", "--probe", PROBE_RPS, "--json"),
        )
    )

    say("write an item with a note on the new colour (2.0.0 knows items.note)")
    ids += write_items(url, ["written on the new colour"], note="only 2.0.0 shows this")

    say(f"rollback under {PROBE_RPS} req/s")
    rows.append(figures("rollback", bluegreen("rollback", "--probe", PROBE_RPS, "--json")))

    say("every item is still there")
    kept = existing(url, ids)
    print(f"{len(kept)} of {len(ids)} items present: {kept}")
    if kept != ids:
        print("demo: items were lost", file=sys.stderr)
        return 1

    say("canary deploy of 2.0.0: 20% for 4 s, watched, then 100%; report at the end")
    canary = bluegreen(
        "deploy", "--version", "2.0.0", "--strategy", "canary", "--canary-percent", "20",
        "--interval", "4", "--probe", PROBE_RPS, "--report", "--json",
    )  # fmt: skip
    rows.append(figures("canary 2.0.0", canary))
    for verdict in canary.get("verdicts", []):
        rate = verdict["error_rate"]
        shown = "n/a" if rate is None else f"{rate:.1%}"
        print(
            f"  {verdict['during']}: {verdict['requests']} requests to the new colour, "
            f"5xx rate {shown} -> {'ok' if verdict['ok'] else 'breach'}"
        )

    say("figures")
    print_table(rows)
    say("history")
    subprocess.run([BLUEGREEN, "history", "--limit", "5"], cwd=REPO, check=False)
    report = REPO / ".bluegreen" / "reports" / f"{canary['id']}.html"
    say(f"done in {time.monotonic() - started:.0f} s")
    print(f"report of the canary deploy: {report}")
    print(f"the platform keeps running at {url}; stop it with `make down` (or `bluegreen down`)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
