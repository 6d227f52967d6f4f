"""wrk, Debian's HTTP load generator: found or installed, run, and its output parsed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

THREADS = 2
CONNECTIONS = 16

# Each wrk thread numbers its own requests; the prefix (one per run) and the thread's id keep
# every Idempotency-Key new, so each POST takes the first-use path, not a replay.
_POST_LUA = """local counter = 0
local thread_id = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
function request()
  counter = counter + 1
  local headers = {["Content-Type"] = "application/json"}
  if KEYED then
    headers["Idempotency-Key"] = PREFIX .. "-" .. thread_id .. "-" .. counter
  end
  return wrk.format("POST", nil, headers, '{"name": "bench item"}')
end
"""


@dataclass(frozen=True)
class Result:
    """One wrk run: throughput and latency percentiles."""

    rps: float
    requests: int
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int


def ensure_wrk() -> str:
    """The wrk executable; installed from Debian when missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is missing: install it with `sudo apt-get install -y wrk`, then rerun")
    print("wrk is missing: installing it from Debian (apt-get install -y wrk)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(install, env=env, check=True, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is still missing after apt-get install wrk")
    return found


def post_script(directory: Path, name: str, *, keyed: bool, prefix: str) -> Path:
    """A Lua script that POSTs an item, with a new Idempotency-Key per request if ``keyed``."""
    path = directory / f"{name}.lua"
    head = f'KEYED = {"true" if keyed else "false"}\nPREFIX = "{prefix}"\n'
    path.write_text(head + _POST_LUA)
    return path


def _field(pattern: str, out: str, default: str | None = None) -> str:
    found = re.search(pattern, out)
    if found is None:
        if default is not None:
            return default
        raise RuntimeError(f"wrk printed no {pattern!r}:\n{out}")
    return found.group(1)


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise RuntimeError(f"unexpected wrk latency {text!r}")
    value, unit = found.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse(out: str) -> Result:
    """The figures of one wrk run's output."""
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return Result(
        rps=float(_field(r"Requests/sec:\s+([\d.]+)", out)),
        requests=int(_field(r"(\d+) requests in", out)),
        # Anchored to the line start: "+/- Stdev 81.50%" must not read as the 50th percentile.
        p50_ms=_ms(_field(r"(?m)^\s+50%\s+(\S+)", out)),
        p99_ms=_ms(_field(r"(?m)^\s+99%\s+(\S+)", out)),
        non_2xx=int(_field(r"Non-2xx or 3xx responses:\s+(\d+)", out, "0")),
        errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def run(wrk: str, url: str, duration: str, script: Path | None = None) -> Result:
    """Load ``url`` for ``duration`` with wrk -t2 -c16 and return its figures."""
    cmd = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}", "--latency"]
    if script is not None:
        cmd += ["-s", str(script)]
    done = subprocess.run([*cmd, url], capture_output=True, text=True, check=True)
    return parse(done.stdout)
