"""The two servers the app benchmark compares, run by gunicorn on the same PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.platform import free_port_run, stop_process

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent


@dataclass
class Server:
    """One gunicorn instance: how to start it, and the process once started."""

    name: str
    argv: list[str]
    env: dict[str, str]
    ready_path: str
    log_path: Path
    port: int = field(default_factory=lambda: free_port_run(1))
    process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The gunicorn master's process id (its workers are its children)."""
        if self.process is None:
            raise RuntimeError(f"{self.name} is not started")
        return self.process.pid

    @property
    def url(self) -> str:
        """Base URL on 127.0.0.1."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 180.0) -> float:
        """Start gunicorn; return the seconds until ``ready_path`` answered 200."""
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*self.argv, "--bind", f"127.0.0.1:{self.port}"],
                env={**os.environ, **self.env, "PORT": str(self.port)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        with httpx.Client(timeout=1) as client:
            while time.monotonic() - started < timeout:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited; see {self.log_path}")
                try:
                    if client.get(self.url + self.ready_path).status_code == 200:
                        return time.monotonic() - started
                except httpx.HTTPError:
                    pass
                time.sleep(0.01)
        raise RuntimeError(f"{self.name} not ready within {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after 30 s)."""
        stop_process(self.process)


def ours(sqlalchemy_url: str, log_dir: Path) -> Server:
    """The items API with its production settings: gunicorn.conf.py, JSON access log on."""
    return Server(
        name="items-api",
        argv=[str(BIN / "gunicorn"), "-c", str(APP / "gunicorn.conf.py"), "items_api:create_app()"],
        env={
            "DATABASE_URL": sqlalchemy_url,
            "APP_VERSION": "bench",
            "DEPLOYMENT_COLOR": "bench",
            "WEB_WORKERS": "2",
        },
        ready_path="/ready",
        log_path=log_dir / "items-api.log",
    )


def baseline(libpq_url: str, log_dir: Path) -> Server:
    """The naive baseline (bench/baseline_app.py): 2 sync workers, no access log."""
    return Server(
        name="baseline",
        argv=[
            str(BIN / "gunicorn"),
            "--chdir",
            str(BENCH),
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--no-control-socket",
            "baseline_app:app",
        ],
        env={"DATABASE_URL": libpq_url},
        ready_path="/health",
        log_path=log_dir / "baseline.log",
    )
