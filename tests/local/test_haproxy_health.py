"""A healthy server is never read as unhealthy, whenever `show stat` is read.

While an active check runs, HAProxy reports ``check_status`` as ``* L7OK`` (the last result,
marked "in progress"). Reading that as a failed check made a deploy refuse now and then:
"live colour green has 1 of 2 targets healthy". Real HAProxy, real gunicorn; the check asks
``/slow?ms=40`` so each check stays in progress long enough to be read often.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bluegreen.local.haproxy import RuntimeApi
from bluegreen.local.haproxy_config import CHECK_IN_PROGRESS, ServerSlot, render_config
from bluegreen.local.platform import HAPROXY
from tests.fakes import command
from tests.support.platform import free_port_run, wait_until

pytestmark = pytest.mark.integration

READS = 1000  # each server is checked every 0.5 s and read in progress about 1 time in 12


@pytest.fixture
def checked_pair(short_dir: Path) -> Iterator[RuntimeApi]:
    """HAProxy with two enabled servers (real gunicorn tasks) checked on a 40 ms endpoint."""
    app_ports = [free_port_run(1), free_port_run(1)]
    tasks = [
        subprocess.Popen(
            command("ok"),
            env={**os.environ, "PORT": str(port), "APP_VERSION": "1", "DEPLOYMENT_COLOR": "blue"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in app_ports
    ]
    port = free_port_run(3)
    socket_path = short_dir / "haproxy.sock"
    config = short_dir / "haproxy.cfg"
    config.write_text(
        render_config(
            port=port,
            test_ports={"blue": port + 1, "green": port + 2},
            socket_path=socket_path,
            servers=[
                ServerSlot("blue", i + 1, p, 128, enabled=True) for i, p in enumerate(app_ports)
            ],
            health_path="/slow?ms=40",
        )
    )
    haproxy = subprocess.Popen(
        [HAPROXY, "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    api = RuntimeApi(socket_path)
    try:
        wait_until(api.reachable, what="HAProxy's runtime API")
        wait_until(
            lambda: all(s.healthy for s in api.show_stat() if s.backend == "app"),
            timeout=30,
            what="both servers to pass their checks",
        )
        yield api
    finally:
        haproxy.terminate()
        haproxy.wait(timeout=10)
        for task in tasks:
            task.terminate()
            task.wait(timeout=10)


def test_a_server_whose_check_is_in_progress_still_reads_healthy(
    checked_pair: RuntimeApi,
) -> None:
    seen: Counter[tuple[str, str]] = Counter()
    unhealthy: list[tuple[str, str, str]] = []
    for _ in range(READS):
        for stat in checked_pair.show_stat():
            if stat.backend != "app":
                continue
            seen[(stat.status, stat.check_status)] += 1
            if not stat.healthy:
                unhealthy.append((stat.server, stat.status, stat.check_status))
        time.sleep(0.002)
    in_progress = sum(n for (_, check), n in seen.items() if check.startswith(CHECK_IN_PROGRESS))
    # The test proves something only if it read servers mid-check.
    assert in_progress > 0, f"no read caught a check in progress: {dict(seen)}"
    assert unhealthy == [], f"healthy servers read as unhealthy: {unhealthy[:5]} of {dict(seen)}"


def test_a_slot_back_from_maintenance_is_not_healthy_on_its_stale_check_result(
    checked_pair: RuntimeApi,
) -> None:
    # A slot re-enabled for a new task shows "UP 1/2" with the check result from before its
    # maintenance (L7OK) until its first check: a task that is not listening yet.
    checked_pair.set_state(["blue-1"], "maint")
    checked_pair.set_port("blue-1", free_port_run(1))  # nothing listens there
    checked_pair.set_state(["blue-1"], "ready")
    seen: list[tuple[str, str, bool]] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        (stat,) = [
            s for s in checked_pair.show_stat() if (s.backend, s.server) == ("app", "blue-1")
        ]
        seen.append((stat.status, stat.check_status, stat.healthy))
        if stat.status == "DOWN":
            break
        time.sleep(0.002)
    assert seen[-1][0] == "DOWN", seen[-5:]
    assert [s for s in seen if s[2]] == [], f"read healthy before any check: {seen[:5]}"
