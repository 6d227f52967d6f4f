"""A team's own service, not the reference API: examples/node-service deployed and rolled back.

The service is Node.js (standard library only), has its own health path, no database and no
migration. It is driven only through the `bluegreen` CLI with the example's own bluegreen.toml
(ports and state dir moved into a temporary directory), on a real local platform (PostgreSQL,
HAProxy, node processes), while the probe and a client of our own send traffic through the
public URL. The client learns which colour answered from HAProxy's `X-Bluegreen-Server`
response header, so it needs nothing from the service's body.

The example's bluegreen.toml turns the database off (no PostgreSQL starts) and sets its own
health path (/healthz); the cutover is measured by colour at the load balancer.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import tomllib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import REPO, Platform, Result
from tests.support.platform import free_port_run, make_short_dir, wait_until

EXAMPLE = REPO / "examples" / "node-service"
PROBE_RPS = "100"
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
]


def example_platform(tmp: Path, extra: dict[str, dict[str, Any]] | None = None) -> Platform:
    """The example's bluegreen.toml with free ports, a state dir under `tmp`, absolute app_dir
    (and the `extra` keys, by section)."""
    config: dict[str, Any] = tomllib.loads((EXAMPLE / "bluegreen.toml").read_text())
    port, state = free_port_run(3), tmp / "state"
    config["local"].update(
        state_dir=str(state),
        port=port,
        base_port=free_port_run(4),  # a busy preferred port falls back to a free one
        db_port=free_port_run(1),
        app_dir=str(EXAMPLE),
    )
    for section, values in (extra or {}).items():
        config.setdefault(section, {}).update(values)
    path = tmp / "bluegreen.toml"
    write_config(path, config)
    return Platform(path, state, port)


def write_config(path: Path, config: dict[str, Any]) -> None:
    """`config` (a top-level `target` and tables of scalars and lists) as TOML."""
    config = dict(config)
    lines = [f"target = {json.dumps(config.pop('target'))}"]
    for section, values in config.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n")


@dataclass
class Traffic:
    """GET /, POST /echo and a short /work through the public URL until stopped."""

    url: str
    sent: int = 0
    failures: list[str] = field(default_factory=list)
    answers: list[tuple[float, str]] = field(default_factory=list)  # (sent at, colour)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            n = 0
            while not self._stop.wait(0.01):
                n += 1
                sent_at = time.monotonic()
                try:
                    if n % 3 == 0:
                        response = client.post("/echo", json={"n": n})
                        ok = response.status_code == 200 and response.json() == {"echo": {"n": n}}
                    elif n % 3 == 1:
                        response = client.get("/work", params={"ms": 30})
                        ok = response.status_code == 200
                    else:
                        response = client.get("/")
                        ok = response.status_code == 200
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                    continue
                finally:
                    self.sent += 1
                if not ok:
                    self.failures.append(f"{response.status_code} {response.text[:200]}")
                server = response.headers.get("x-bluegreen-server", "?")
                self.answers.append((sent_at, server.split("-", 1)[0]))

    def colors_sent_between(self, start: float, end: float = float("inf")) -> Counter[str]:
        """Which colours answered the requests sent between `start` and `end` (monotonic)."""
        return Counter(color for at, color in list(self.answers) if start <= at < end)

    @contextmanager
    def running(self, threads: int = 2) -> Iterator[Traffic]:
        workers = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        for worker in workers:
            worker.start()
        try:
            yield self
        finally:
            self._stop.set()
            for worker in workers:
                worker.join(timeout=15)


@dataclass
class Run:
    """What one up, deploy, rollback of the example returned."""

    up: Result
    deploy: Result
    rollback: Result
    after_deploy: dict[str, Any]
    after_rollback: dict[str, Any]
    history: list[dict[str, Any]]
    traffic: Traffic
    # colours that answered requests sent after the deploy / the rollback returned
    colors_after_deploy: Counter[str]
    colors_after_rollback: Counter[str]
    task_logs: dict[str, str]
    postgres_started: bool


def _json_lines(log: str) -> list[dict[str, Any]]:
    """The service's own JSON log lines (the platform adds a plain `=== start` line per start)."""
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


def _record(result: Result) -> dict[str, Any]:
    assert result.code == 0, f"exit {result.code}\n{result.err[-3000:]}"
    record: dict[str, Any] = result.json()
    return record


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    """Up 1.0.0, deploy 2.0.0 then roll back, all under load; the platform is purged after."""
    tmp = make_short_dir("bgn")
    platform = example_platform(tmp)
    try:
        up = platform.run("up", "--version", "1.0.0")
        assert up.code == 0, up.err[-3000:]
        traffic = Traffic(platform.url)
        with traffic.running():
            deploy = platform.run("deploy", "--version", "2.0.0", "--probe", PROBE_RPS, "--json")
            deployed = time.monotonic()
            after_deploy = platform.status()
            rolling_back = time.monotonic()
            rollback = platform.run("rollback", "--probe", PROBE_RPS, "--json")
            rolled_back = time.monotonic()
            wait_until(
                lambda: sum(traffic.colors_sent_between(rolled_back).values()) >= 20,
                timeout=20,
                what="requests after the rollback",
            )
        history = platform.run("history", "--json")
        # a drained colour is left to exit in the background: its last log lines come then
        wait_until(
            lambda: platform.status().get("exiting") == [],
            timeout=60,
            what="the stopped tasks to finish exiting",
        )
        yield Run(
            up=up,
            deploy=deploy,
            rollback=rollback,
            after_deploy=after_deploy,
            after_rollback=platform.status(),
            history=history.json() if history.code == 0 else [],
            traffic=traffic,
            colors_after_deploy=traffic.colors_sent_between(deployed, rolling_back),
            colors_after_rollback=traffic.colors_sent_between(rolled_back),
            task_logs={
                p.stem: p.read_text() for p in (platform.state_dir / "logs").glob("*-*.log")
            },
            postgres_started=(platform.state_dir / "postgres").exists(),
        )
    finally:
        platform.run("down", "--purge", timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


def test_the_node_service_deploys_and_rolls_back_under_load_with_no_failed_request(
    run: Run,
) -> None:
    deploy, rollback = _record(run.deploy), _record(run.rollback)
    for probe in (deploy["probe"], rollback["probe"]):
        assert probe["sent"] > 0
        assert probe["failed"] == 0, probe["errors"]
    assert run.traffic.failures == []
    assert run.traffic.sent > 100


def test_the_new_colour_takes_the_traffic_and_the_rollback_gives_it_back(run: Run) -> None:
    assert run.after_deploy["live"] == "green"
    assert run.after_deploy["colors"]["green"]["version"] == "2.0.0"
    assert run.after_rollback["live"] == "blue"
    assert run.after_rollback["colors"]["blue"]["version"] == "1.0.0"
    # seen by our own client, from the load balancer's header: every request sent once the
    # deploy had returned reached green, every one sent after the rollback reached blue
    assert set(run.colors_after_deploy) == {"green"}
    assert set(run.colors_after_rollback) == {"blue"}
    assert [r["operation"] for r in run.history[:3]] == ["rollback", "deploy", "deploy"]
    assert all(r["outcome"] == "succeeded" for r in run.history[:3])


def test_the_probe_counts_the_versions_the_service_reports(run: Run) -> None:
    # the service's `/` body carries `version` (it reads APP_VERSION, which bluegreen sets)
    assert set(_record(run.deploy)["probe"]["by_version"]) == {"1.0.0", "2.0.0"}
    assert set(_record(run.rollback)["probe"]["by_version"]) == {"1.0.0", "2.0.0"}


def test_no_database_is_started_for_a_service_without_one(run: Run) -> None:
    assert run.postgres_started is False  # [local] database = false


def test_every_stopped_task_drained_and_exited_on_its_own(run: Run) -> None:
    # blue 1.0.0 stopped after the deploy, green 2.0.0 after the rollback: each node process
    # got SIGTERM, let its requests finish and exited 0 before any SIGKILL
    assert {"blue-1", "blue-2", "green-1", "green-2"} <= set(run.task_logs)
    for name in ("blue-1", "blue-2", "green-1", "green-2"):
        events = [line.get("event") for line in _json_lines(run.task_logs[name])]
        assert "stopping" in events, name
        assert "stopped" in events, name
        assert "grace period over, requests still in flight" not in events, name


def test_the_cutover_is_measured_for_a_service_that_does_not_name_its_colour(run: Run) -> None:
    # measured by colour at the load balancer (HAProxy's X-Bluegreen-Server header)
    for record in (_record(run.deploy), _record(run.rollback)):
        assert record["probe"]["cutover"]["to_first_new_ms"] is not None
