"""Tasks: real gunicorn processes started, watched and stopped through tasks.json."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bluegreen.local import tasks as tasks_module
from bluegreen.local.task_command import pick_port, task_argv, task_env
from bluegreen.local.tasks import TaskRunner
from bluegreen.model import Release
from tests.fakes import GUNICORN, command
from tests.support.platform import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[TaskRunner]:
    """A runner whose tasks are all stopped afterwards."""
    run = TaskRunner(tmp_path / "state", graceful_timeout=10)
    try:
        yield run
    finally:
        run.stop("blue", timeout=2)
        run.stop("green", timeout=2)


def start(runner: TaskRunner, app: str, count: int = 1, env: dict[str, str] | None = None) -> None:
    release = Release("1.0.0", command=command(app), env=env or {})
    ports = [pick_port() for _ in range(count)]
    env_for = {
        p: task_env(os.environ, release, color="blue", port=p, database={"DATABASE_URL": "pg://x"})
        for p in ports
    }
    runner.start("blue", release, ports, env_for)


def answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_task_env_passes_port_version_colour_and_db_and_ours_win() -> None:
    release = Release("2.0.0", env={"PORT": "1", "DATABASE_URL": "mine", "X": "y"})
    env = task_env(
        {"PATH": "/bin"}, release, color="green", port=18001, database={"PGPASSFILE": "f"}
    )
    assert env == {
        "PATH": "/bin",
        "PGPASSFILE": "f",
        "DATABASE_URL": "mine",
        "X": "y",
        "PORT": "18001",
        "APP_VERSION": "2.0.0",
        "DEPLOYMENT_COLOR": "green",
    }


def test_task_env_drops_the_controllers_no_bytecode_setting_unless_the_release_sets_it() -> None:
    base = {"PATH": "/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    plain = task_env(base, Release("2.0.0"), color="blue", port=1, database={})
    assert "PYTHONDONTWRITEBYTECODE" not in plain
    assert plain["PATH"] == "/bin"
    asked = Release("2.0.0", env={"PYTHONDONTWRITEBYTECODE": "1"})
    env = task_env(base, asked, color="blue", port=1, database={})
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"


def test_gunicorn_commands_get_no_control_socket_others_are_left_alone() -> None:
    assert task_argv([str(GUNICORN), "app:app"]) == [
        str(GUNICORN),
        "--no-control-socket",
        "app:app",
    ]
    mine = [str(GUNICORN), "--control-socket", "/tmp/x.ctl", "app:app"]
    assert task_argv(mine) == mine
    assert task_argv(["python", "-m", "http.server"]) == ["python", "-m", "http.server"]


@pytest.mark.parametrize("knows", [True, False])
def test_a_virtualenv_gunicorn_is_asked_through_its_option_table_without_running_it(
    tmp_path: Path, knows: bool
) -> None:
    ran = tmp_path / "ran"
    gunicorn = tmp_path / "bin" / "gunicorn"
    gunicorn.parent.mkdir()
    gunicorn.write_text(f"#!/bin/sh\necho --no-control-socket; touch {ran}\n")
    gunicorn.chmod(0o755)
    config = tmp_path / "lib" / "python3.11" / "site-packages" / "gunicorn" / "config.py"
    config.parent.mkdir(parents=True)
    config.write_text('    cli = ["--no-control-socket"]\n' if knows else '    cli = ["--bind"]\n')
    flag = ["--no-control-socket"] if knows else []
    assert task_argv([str(gunicorn), "app:app"]) == [str(gunicorn), *flag, "app:app"]
    assert not ran.exists()


def test_started_tasks_serve_on_their_own_ports_with_their_identity(runner: TaskRunner) -> None:
    start(runner, "ok", count=2)
    current = runner.load("blue")
    assert current is not None
    assert current.desired == 2
    for task in current.tasks:
        port = task.port
        wait_until(lambda: answers(port), what=f"{task.name} to answer")  # noqa: B023  # called at once
        body = httpx.get(f"http://127.0.0.1:{task.port}/").json()
        assert body["version"] == "1.0.0"
        assert body["color"] == "blue"
    assert all(s.running for s in runner.status("blue"))


def test_a_task_that_crashes_at_start_is_reported_with_its_exit_code(runner: TaskRunner) -> None:
    start(runner, "crash")
    wait_until(lambda: not runner.status("blue")[0].running, what="the crash")
    problem = runner.status("blue")[0].problem()
    assert problem is not None
    assert "task blue-1" in problem
    assert "exited with code 3" in problem


def test_a_new_controller_process_sees_the_tasks_and_stops_them(
    runner: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    start(runner, "ok")
    current = runner.load("blue")
    assert current is not None
    port, pid = current.tasks[0].port, current.tasks[0].pid
    wait_until(lambda: answers(port), what="the task to answer")
    # A new controller process has none of our Popen objects: only tasks.json.
    monkeypatch.setattr(tasks_module, "_CHILDREN", {})
    fresh = TaskRunner(runner.state_dir, graceful_timeout=10)
    assert [s.running for s in fresh.status("blue")] == [True]
    fresh.stop("blue")
    assert fresh.load("blue") is None
    assert not answers(port)
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()


def test_a_task_that_exits_after_a_new_controller_took_over_is_reported(
    runner: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    start(runner, "ok")
    current = runner.load("blue")
    assert current is not None
    monkeypatch.setattr(tasks_module, "_CHILDREN", {})
    os.killpg(current.tasks[0].pid, 9)
    wait_until(lambda: not runner.status("blue")[0].running, what="the task to be seen dead")
    problem = runner.status("blue")[0].problem()
    assert problem is not None
    assert "exited with an unknown code" in problem


def test_stop_ends_a_task_that_ignores_nothing_and_one_that_hangs(runner: TaskRunner) -> None:
    start(runner, "hang")
    assert runner.status("blue")[0].running
    runner.stop("blue", timeout=5)
    assert runner.load("blue") is None


def test_task_output_goes_to_its_log_file(runner: TaskRunner) -> None:
    start(runner, "ok")
    current = runner.load("blue")
    assert current is not None
    log = Path(current.tasks[0].log)
    wait_until(lambda: "Listening at" in log.read_text(), what="gunicorn's start message")
    assert log.read_text().startswith("=== ")
    assert oct(log.stat().st_mode & 0o777) == "0o600"


def test_tasks_outlive_the_controller_process_that_started_them(runner: TaskRunner) -> None:
    script = f"""
import os, sys
sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
from pathlib import Path
from bluegreen.local.task_command import pick_port, task_env
from bluegreen.local.tasks import TaskRunner
from bluegreen.model import Release
from tests.fakes import command
release = Release("1.0.0", command=command("ok"))
port = pick_port()
env = task_env(os.environ, release, color="green", port=port, database={{}})
TaskRunner(Path({str(runner.state_dir)!r})).start("green", release, [port], {{port: env}})
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    current = runner.load("green")
    assert current is not None
    port = current.tasks[0].port
    wait_until(lambda: answers(port), what="the task started by the exited controller")
    assert [s.running for s in runner.status("green")] == [True]
    runner.stop("green")
    assert not answers(port)
