"""LocalProvider against a real platform: HAProxy's runtime API, gunicorn fakes, PostgreSQL."""

from __future__ import annotations

import sys
import threading

import httpx
import pytest

from bluegreen.errors import DeployError, PlatformError
from bluegreen.local.files import pid_alive
from bluegreen.local.platform import LocalPlatform
from bluegreen.local.provider import LocalProvider
from bluegreen.local.releases import default_release
from bluegreen.model import Color, Release, Weights
from tests.fakes import WRONG_PORT_ENV, command
from tests.support.platform import wait_until

pytestmark = pytest.mark.integration


def release(version: str, app: str = "ok", env: dict[str, str] | None = None) -> Release:
    return Release(version, command=command(app), env=env or {})


def start_ready(provider: LocalProvider, color: Color, version: str, tasks: int = 2) -> None:
    provider.start(color, release(version), tasks)
    wait_until(lambda: provider.health(color).ready, what=f"{color} to be healthy")


def served_by(url: str) -> str:
    response = httpx.get(url, timeout=5)
    response.raise_for_status()
    return str(response.json()["color"])


def test_started_tasks_become_healthy_and_serve_once_weighted(provider: LocalProvider) -> None:
    start_ready(provider, "blue", "1.0.0")
    provider.set_weights(Weights.all_on("blue"))
    assert {served_by(provider.url + "/") for _ in range(6)} == {"blue"}
    snap = provider.snapshot()
    assert snap.live == "blue"
    assert snap.colors["blue"].to_dict()["version"] == "1.0.0"
    assert (snap.colors["blue"].health.healthy, snap.colors["green"].health.desired) == (2, 0)


def test_set_weights_switches_traffic_and_test_urls_reach_their_colour(
    provider: LocalProvider,
) -> None:
    start_ready(provider, "blue", "1.0.0")
    provider.set_weights(Weights.all_on("blue"))
    start_ready(provider, "green", "2.0.0")
    assert (
        served_by(provider.route_test_listener("green") + "/") == "green"
    )  # before any user traffic
    assert served_by(provider.url + "/") == "blue"
    provider.set_weights(Weights.all_on("green"))
    assert {served_by(provider.url + "/") for _ in range(6)} == {"green"}
    assert served_by(provider.route_test_listener("blue") + "/") == "blue"
    assert provider.snapshot().weights == Weights.all_on("green")


def test_a_split_sends_traffic_to_both_colours(provider: LocalProvider) -> None:
    start_ready(provider, "blue", "1.0.0", tasks=1)
    start_ready(provider, "green", "2.0.0", tasks=3)
    provider.set_weights(Weights(50, 50))
    colors = [served_by(provider.url + "/") for _ in range(40)]
    assert 10 <= colors.count("green") <= 30
    assert provider.snapshot().weights == Weights(50, 50)


def test_traffic_counts_requests_and_5xx_per_colour(provider: LocalProvider) -> None:
    provider.start("green", release("2.0.0", "flaky", {"FAKE_ERROR_RATE": "0.5"}), 1)
    wait_until(lambda: provider.health("green").ready, what="green to be healthy")
    provider.set_weights(Weights.all_on("green"))
    before = provider.traffic("green")
    codes = [httpx.get(provider.url + "/", timeout=5).status_code for _ in range(20)]
    after = provider.traffic("green")
    assert after.requests - before.requests == 20
    assert after.errors_5xx - before.errors_5xx == codes.count(500) == 10


def test_in_flight_counts_requests_being_served(provider: LocalProvider) -> None:
    start_ready(provider, "blue", "1.0.0", tasks=1)
    provider.set_weights(Weights.all_on("blue"))
    done = threading.Event()

    def slow() -> None:
        httpx.get(provider.url + "/slow?ms=1500", timeout=10)
        done.set()

    thread = threading.Thread(target=slow)
    thread.start()
    wait_until(lambda: provider.in_flight("blue") == 1 or done.is_set(), what="in flight")
    assert not done.is_set()
    thread.join()
    assert provider.in_flight("blue") == 0


def test_unhealthy_crashing_hanging_and_wrong_port_releases_never_become_ready(
    provider: LocalProvider,
) -> None:
    provider.start("blue", release("1.0.0", "crash"), 1)
    wait_until(lambda: bool(provider.health("blue").problems), what="the crash to show")
    assert "exited with code 3" in provider.health("blue").problems[0]
    for rel in (
        release("1.0.1", "unhealthy"),
        release("1.0.2", "hang"),
        release("1.0.3", "ok", WRONG_PORT_ENV),
    ):
        provider.start("blue", rel, 1)
        wait_until(
            lambda: provider.platform.api.show_stat()[0].last_check not in ("", "INI"),
            what="a first health check",
        )
        health = provider.health("blue")
        assert (health.running, health.healthy, health.ready) == (1, 0, False)


def test_set_weights_refuses_a_colour_without_tasks(provider: LocalProvider) -> None:
    with pytest.raises(PlatformError, match="runs no tasks"):
        provider.set_weights(Weights.all_on("green"))


def test_stop_of_a_drained_colour_sends_sigterm_and_leaves_the_exit_to_the_background(
    provider: LocalProvider,
) -> None:
    start_ready(provider, "green", "2.0.0")
    pids = [s.task.pid for s in provider.platform.tasks.status("green")]
    assert provider.stop("green") == 2  # nothing in flight: both finish exiting on their own
    stats = [s for s in provider.platform.api.show_stat() if s.server.startswith("green-")]
    assert {s.status.split()[0] for s in stats} == {"MAINT"}
    assert provider.health("green").desired == 0
    recorded = {t.pid for t in provider.platform.exiting.recorded()}
    assert recorded == set(pids)
    wait_until(lambda: not any(pid_alive(pid) for pid in pids), what="the tasks to exit")
    assert provider.snapshot().extra["exiting"] == []
    assert provider.platform.exiting.reap() == []  # exited on their own: nothing killed
    assert provider.platform.exiting.recorded() == []


def test_stop_with_a_request_in_flight_waits_for_it_and_for_the_processes(
    provider: LocalProvider,
) -> None:
    start_ready(provider, "green", "2.0.0", tasks=1)
    pids = [s.task.pid for s in provider.platform.tasks.status("green")]
    answers: list[int] = []

    def slow() -> None:
        url = provider.route_test_listener("green") + "/slow?ms=1500"
        answers.append(httpx.get(url, timeout=10).status_code)

    thread = threading.Thread(target=slow)
    thread.start()
    wait_until(lambda: provider.in_flight("green") == 1 or bool(answers), what="in flight")
    assert not answers
    assert provider.stop("green") == 0  # waited: every process exited
    assert not any(pid_alive(pid) for pid in pids)
    thread.join()
    assert answers == [200]  # the graceful stop let it finish
    assert provider.platform.exiting.recorded() == []


def test_starting_a_colour_again_first_finishes_its_tasks_still_exiting(
    provider: LocalProvider,
) -> None:
    start_ready(provider, "green", "2.0.0")
    old = [s.task.pid for s in provider.platform.tasks.status("green")]
    assert provider.stop("green") == 2
    start_ready(provider, "green", "2.0.1")
    assert not any(pid_alive(pid) for pid in old)
    assert provider.platform.exiting.recorded() == []
    assert {served_by(provider.route_test_listener("green") + "/") for _ in range(4)} == {"green"}


def test_a_restarted_haproxy_comes_back_with_the_same_weights(
    provider: LocalProvider, platform: LocalPlatform
) -> None:
    start_ready(provider, "blue", "1.0.0", tasks=1)
    start_ready(provider, "green", "2.0.0", tasks=1)
    provider.set_weights(Weights(10, 90))
    platform._stop_haproxy()
    assert platform.up() is True
    wait_until(lambda: provider.health("green").ready, what="green healthy after the restart")
    assert provider.snapshot().weights == Weights(10, 90)
    weights = provider.snapshot().extra["server_weights"]
    assert (weights["blue-1"], weights["green-1"]) == (28, 256)


def test_migrate_runs_with_the_database_url_and_reports_failures(
    provider: LocalProvider, platform: LocalPlatform
) -> None:
    script = (
        "import os, psycopg; "
        "url = os.environ['DATABASE_URL'].replace('+psycopg', ''); "
        "psycopg.connect(url).close(); print('migrated', os.environ['APP_VERSION'])"
    )
    provider.migrate(Release("1.0.0", migrate_command=(sys.executable, "-c", script)), "green")
    failing = Release("2.0.0", migrate_command=(sys.executable, "-c", "print('boom'); exit(5)"))
    with pytest.raises(DeployError, match=r"(?s)failed \(exit 5\).*boom") as info:
        provider.migrate(failing, "green")
    assert info.value.exit_code == 1
    with pytest.raises(DeployError, match="could not run"):
        provider.migrate(Release("3", migrate_command=("/nonexistent/alembic",)), "green")


def test_default_release_runs_the_reference_service_from_the_repository(
    platform: LocalPlatform,
) -> None:
    rel = default_release(platform.settings, "1.0.0")
    assert rel.command[0].endswith("/.venv/bin/gunicorn")
    assert rel.command[1:] == ("-c", rel.command[2], "items_api:create_app()")
    assert rel.command[2].endswith("/app/gunicorn.conf.py")
    assert rel.migrate_command[-2:] == ("upgrade", "head")
    assert rel.workdir is not None
    assert rel.workdir.endswith("/app")
    custom = default_release(platform.settings, "2", command="gunicorn x:app", env={"A": "b"})
    assert (custom.command, dict(custom.env), custom.source) == (
        ("gunicorn", "x:app"),
        {"A": "b"},
        "command",
    )
