"""Fixtures of the local platform's tests: short temporary dirs, free ports, a running platform."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bluegreen.config import LocalSettings, Settings
from bluegreen.local.platform import LocalPlatform
from bluegreen.local.provider import LocalProvider
from bluegreen.model import COLORS
from tests.support.platform import free_port_run, make_short_dir


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
        platform.exiting.finish(timeout=10)  # what a stop left exiting, gone before the next
        platform.lb_path.unlink(missing_ok=True)
