"""Helpers for tests that run a real local platform: free ports, short dirs, polling."""

from __future__ import annotations

import csv
import io
import random
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


# Below Linux's ephemeral range (32768-60999): outgoing connections never take these ports, so
# a busy machine's TIME_WAIT sockets (load tests, other suites) do not fill the runs we need.
_QUIET_PORTS = (20000, 32000)


# Ports handed out by this process: a platform's runs are all free when chosen, but nothing
# holds them until its processes start, so without this the HAProxy run of one call and the
# task run of the next could overlap (a task then takes HAProxy's port first).
_HANDED_OUT: set[int] = set()


def free_port_run(count: int) -> int:
    """The first of `count` consecutive ports on 127.0.0.1 that are free right now and that no
    earlier call of this process handed out."""
    low, high = _QUIET_PORTS
    for _ in range(200):
        first = random.randrange(low, high - count)
        run = range(first, first + count)
        if _HANDED_OUT.isdisjoint(run) and all(_bindable(p) for p in run):
            _HANDED_OUT.update(run)
            return first
    if _HANDED_OUT:  # a long session used the range up: what it handed out is long closed
        _HANDED_OUT.clear()
        return free_port_run(count)
    raise RuntimeError(f"no run of {count} free ports in {low}-{high}")


def stop_process(process: subprocess.Popen[bytes] | None, timeout: float = 30.0) -> None:
    """SIGTERM a process that still runs and wait for it; SIGKILL it after ``timeout``."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until(
    predicate: Callable[[], bool], timeout: float = 20.0, what: str = "condition"
) -> None:
    """Poll `predicate` (fast, then backing off) until it holds; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def make_short_dir(prefix: str = "bg") -> Path:
    """A new directory directly under /tmp (unix socket paths must stay short), 0755."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def balancer_shares(socket_path: Path, backend: str = "app") -> tuple[int, int] | None:
    """(blue %, green %) of the new requests HAProxy's `backend` sends each colour, now.

    Read straight from HAProxy's runtime API (`show stat` on its unix socket), not through the
    controller: each colour's servers' current weights summed (slots are named `blue-1`,
    `green-2`...), servers in maintenance left out as HAProxy sends them nothing. One look takes
    milliseconds, so a test can watch steps a few seconds long even on a loaded machine. None
    when no server has weight.
    """
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(str(socket_path))
        sock.sendall(b"show stat\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    rows = csv.DictReader(io.StringIO(answer.decode().lstrip("# ")))
    totals = {"blue": 0, "green": 0}
    for row in rows:
        server = row["svname"]
        if row["pxname"] != backend or server in ("FRONTEND", "BACKEND"):
            continue
        if row["status"] != "MAINT":
            totals[server.rsplit("-", 1)[0]] += int(row["weight"] or 0)
    whole = totals["blue"] + totals["green"]
    if whole == 0:
        return None
    blue = round(100 * totals["blue"] / whole)
    return blue, 100 - blue
