"""A real local platform driven through the `bluegreen` CLI, as a user would drive it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.platform import free_port_run, make_short_dir

BLUEGREEN = Path(sys.executable).with_name("bluegreen")
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    """What one CLI run returned."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return json.loads(self.out)


@dataclass
class Platform:
    """A local platform of its own: config file, state dir, ports."""

    config: Path
    state_dir: Path
    port: int

    @property
    def url(self) -> str:
        """The public URL (HAProxy's frontend)."""
        return f"http://127.0.0.1:{self.port}"

    def run(self, *args: str, timeout: float = 180, cwd: Path | None = None) -> Result:
        """Run `bluegreen ARGS --config CONFIG` and wait for it.

        Past `timeout` the command gets SIGTERM (a cancelled CI job: it restores traffic and
        gives the lock back) and the result carries what it printed until then, so a test's
        assertion shows where it hung instead of a bare TimeoutExpired.
        """
        process = subprocess.Popen(
            [str(BLUEGREEN), *args, "--config", str(self.config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env={**os.environ, "COLUMNS": "200"},
        )
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                out, err = process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                out, err = process.communicate()
            err += f"\n[test: `bluegreen {' '.join(args)}` timed out after {timeout:.0f} s]"
        return Result(process.returncode, out, err)

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        """Start `bluegreen ARGS --config CONFIG` in the background."""
        return subprocess.Popen(
            [str(BLUEGREEN), *args, "--config", str(self.config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def status(self) -> dict[str, Any]:
        """`status --json`, parsed."""
        result = self.run("status", "--json")
        assert result.code == 0, result.err
        data: dict[str, Any] = result.json()
        return data

    def events(self, deployment_id: str) -> list[dict[str, Any]]:
        """The journal of one deployment, read from the state dir."""
        path = self.state_dir / "deployments" / f"{deployment_id}.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def new_platform(tmp: Path, **deploy: Any) -> Platform:
    """Write a bluegreen.toml with free ports and a state dir of its own."""
    port = free_port_run(3)
    base = free_port_run(40)
    db_port = free_port_run(1)
    state = tmp / "state"
    lines = [
        "[local]",
        f'state_dir = "{state}"',
        f"port = {port}",
        f"base_port = {base}",
        f"db_port = {db_port}",
        f'app_dir = "{REPO / "app"}"',
        "[deploy]",
        "health_timeout = 60",
        "drain_timeout = 20",
        *(f"{k} = {json.dumps(v)}" for k, v in deploy.items()),
    ]
    config = tmp / "bluegreen.toml"
    config.write_text("\n".join(lines) + "\n")
    return Platform(config, state, port)


@pytest.fixture
def platform_dir() -> Iterator[Path]:
    """A short directory (unix socket paths must stay short), removed afterwards."""
    path = make_short_dir("bge")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def platform(platform_dir: Path) -> Iterator[Platform]:
    """A local platform, torn down (with --purge) after the test."""
    plat = new_platform(platform_dir)
    yield plat
    plat.run("down", "--purge", timeout=60)
