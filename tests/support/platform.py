"""Helpers for tests that run a real local platform: free ports, short dirs, polling."""

from __future__ import annotations

import random
import socket
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


def free_port_run(count: int) -> int:
    """The first of `count` consecutive ports on 127.0.0.1 that are free right now."""
    low, high = _QUIET_PORTS
    for _ in range(200):
        first = random.randrange(low, high - count)
        if all(_bindable(first + i) for i in range(count)):
            return first
    raise RuntimeError(f"no run of {count} free ports in {low}-{high}")


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
