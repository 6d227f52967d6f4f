"""Fixtures of the local platform's tests: short temporary dirs, free ports, a running platform."""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bluegreen.config import LocalSettings, Settings
from bluegreen.local.platform import LocalPlatform
from bluegreen.model import COLORS
from bluegreen.providers.local import LocalProvider


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port_run(count: int) -> int:
    """The first of `count` consecutive ports on 127.0.0.1 that are free right now."""
    for _ in range(200):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            first: int = sock.getsockname()[1]
        if first + count < 65000 and all(_bindable(first + i) for i in range(1, count)):
            return first
    raise RuntimeError("no run of free ports")


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


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A short temporary directory, removed afterwards."""
    path = make_short_dir()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def local_settings(base: Path) -> Settings:
    """Settings of a platform in `base`/state on free ports."""
    return Settings(
        local=LocalSettings(
            state_dir=base / "state",
            port=free_port_run(3),
            db_port=free_port_run(1),
            base_port=free_port_run(1),
        )
    )


@pytest.fixture(scope="module")
def platform() -> Iterator[LocalPlatform]:
    """A running local platform (PostgreSQL + HAProxy) for the tests of one module."""
    base = make_short_dir("bgp")
    plat = LocalPlatform(local_settings(base))
    try:
        plat.up()
        yield plat
    finally:
        plat.down(purge=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def provider(platform: LocalPlatform) -> Iterator[LocalProvider]:
    """A provider on the module's platform; both colours stopped and weights reset after."""
    prov = LocalProvider(platform.settings, platform=platform)
    try:
        yield prov
    finally:
        for color in COLORS:
            prov.stop(color)
        platform.lb_path.unlink(missing_ok=True)
