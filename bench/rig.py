"""A local platform of its own (temporary directory, free ports), driven through the CLI.

The chaos and soak benches only use what a user has: `bluegreen ...` commands, the public URL,
HAProxy's runtime API (its socket is in the state directory) and the processes the platform
runs (found in /proc by the state directory in their command line or environment). Nothing
here imports the controller, so the benches keep working while it changes.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bluegreen.local.haproxy import RuntimeApi, ServerStat
from tests.support.platform import make_short_dir

REPO = Path(__file__).resolve().parent.parent
BLUEGREEN = str(Path(sys.executable).with_name("bluegreen"))


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def port_run(count: int) -> int:
    """The first of `count` consecutive free ports, below Linux's ephemeral range (32768+) so
    that no outgoing connection of this busy machine takes one before the platform binds it."""
    rng = random.SystemRandom()
    for _ in range(500):
        first = rng.randrange(20000, 32700 - count)
        if all(_bindable(first + i) for i in range(count)):
            return first
    raise RuntimeError(f"no run of {count} free ports between 20000 and 32700")


@dataclass(frozen=True)
class Outcome:
    """One finished CLI command."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str
    seconds: float

    @property
    def message(self) -> str:
        """The last lines of stderr (where bluegreen prints errors and progress)."""
        lines = [line for line in self.err.strip().splitlines() if line.strip()]
        return " / ".join(line.strip() for line in lines[-3:]) or f"(exit {self.code})"

    def json(self) -> Any:
        """stdout as JSON (None when it is not)."""
        try:
            return json.loads(self.out)
        except ValueError:
            return None


@dataclass
class Controller:
    """A `bluegreen` command running in the background, its stderr lines timestamped."""

    args: tuple[str, ...]
    proc: subprocess.Popen[str]
    started: float = field(default_factory=time.monotonic)
    lines: list[tuple[float, str]] = field(default_factory=list)
    out: str = ""

    def __post_init__(self) -> None:
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append((time.monotonic(), line.rstrip()))

    def last_line(self) -> str:
        """The last progress line printed so far."""
        return self.lines[-1][1].strip() if self.lines else ""

    def wait(self, timeout: float) -> Outcome | None:
        """The outcome, or None when the command is still running at `timeout`."""
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self._reader.join(timeout=5)
        self.out = out or ""
        err = "\n".join(line for _, line in self.lines)
        return Outcome(
            self.args, self.proc.returncode, self.out, err, time.monotonic() - self.started
        )


@dataclass
class Rig:
    """One platform: its config file, state directory and public port."""

    root: Path
    config: Path
    state_dir: Path
    port: int

    @classmethod
    def create(cls, prefix: str = "bgk", **deploy: Any) -> Rig:
        """Write a bluegreen.toml with free ports in a new short directory under /tmp."""
        root = make_short_dir(prefix)
        state = root / "state"
        port = port_run(3)
        lines = [
            "[local]",
            f'state_dir = "{state}"',
            f"port = {port}",
            f"base_port = {port_run(40)}",
            f"db_port = {port_run(1)}",
            f'app_dir = "{REPO / "app"}"',
            "[deploy]",
            *(f"{k} = {json.dumps(v)}" for k, v in deploy.items()),
        ]
        config = root / "bluegreen.toml"
        config.write_text("\n".join(lines) + "\n")
        return cls(root, config, state, port)

    @property
    def url(self) -> str:
        """The public URL (HAProxy's frontend)."""
        return f"http://127.0.0.1:{self.port}"

    def run(self, *args: str, timeout: float = 300) -> Outcome:
        """Run `bluegreen ARGS --config CONFIG` to the end."""
        started = time.monotonic()
        try:
            done = subprocess.run(
                [BLUEGREEN, *args, "--config", str(self.config)],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                env={**os.environ, "COLUMNS": "200"},
            )
        except subprocess.TimeoutExpired as exc:
            err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
            return Outcome(args, -1, "", f"{err}\n(still running after {timeout:.0f} s)", timeout)
        return Outcome(args, done.returncode, done.stdout, done.stderr, time.monotonic() - started)

    def spawn(self, *args: str) -> Controller:
        """Start `bluegreen ARGS --config CONFIG` in the background."""
        proc = subprocess.Popen(
            [BLUEGREEN, *args, "--config", str(self.config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
        )
        return Controller(args, proc)

    def status(self) -> tuple[dict[str, Any] | None, Outcome]:
        """`status --json` parsed (None when the command fails), and the outcome."""
        result = self.run("status", "--json", timeout=60)
        data = result.json() if result.code == 0 else None
        return (data if isinstance(data, dict) else None), result

    def history(self) -> list[dict[str, Any]]:
        """`history --json` (every record, newest first; [] when it fails)."""
        data = self.run("history", "--json", "--limit", "1000", timeout=60).json()
        return data if isinstance(data, list) else []

    def show_stat(self) -> list[ServerStat] | None:
        """HAProxy's servers of backend ``app`` from its runtime API (None when unreachable)."""
        api = RuntimeApi(self.state_dir / "haproxy.sock", timeout=3)
        if not api.reachable():
            return None
        return [s for s in api.show_stat() if s.backend == "app"]

    def journal_ids(self) -> set[str]:
        """The deployments that have a journal in the state directory."""
        return {p.stem for p in (self.state_dir / "deployments").glob("*.jsonl")}

    def journal(self, deployment_id: str) -> list[str]:
        """One deployment's journal lines."""
        path = self.state_dir / "deployments" / f"{deployment_id}.jsonl"
        return path.read_text().splitlines() if path.exists() else []

    def task_log_tails(self, lines: int = 15) -> dict[str, str]:
        """The last lines of every task's log."""
        tails = {}
        for path in sorted((self.state_dir / "logs").glob("*.log")):
            text = path.read_text(errors="replace").splitlines()
            tails[path.stem] = "\n".join(text[-lines:])
        return tails

    def destroy(self) -> None:
        """`down --purge` and remove the directory."""
        self.run("down", "--purge", timeout=120)
        shutil.rmtree(self.root, ignore_errors=True)
