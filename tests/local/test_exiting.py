"""Tasks told to stop and left to exit in the background: forgotten once they exited, killed
once they outlive their deadline, waited for by colour (real processes, no HAProxy)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bluegreen.local.exiting import ExitingTasks
from bluegreen.local.files import pid_alive
from bluegreen.local.task_command import pick_port, task_env
from bluegreen.local.tasks import TaskRecord, TaskRunner, wait_then_kill
from bluegreen.model import Color, Release
from tests.fakes import command
from tests.support.platform import wait_until

pytestmark = pytest.mark.integration

# Ignores SIGTERM (an ignored signal stays ignored across exec): only SIGKILL ends it.
STUBBORN = ("sh", "-c", "trap '' TERM; exec sleep 3600")
POLITE = ("sh", "-c", "exec sleep 3600")  # sleep exits on SIGTERM


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[TaskRunner]:
    run = TaskRunner(tmp_path / "state", graceful_timeout=10)
    try:
        yield run
    finally:
        ExitingTasks(run.state_dir).finish(timeout=0)
        run.stop("blue", timeout=2)
        run.stop("green", timeout=2)


def start(runner: TaskRunner, color: Color, argv: tuple[str, ...]) -> None:
    release = Release("1.0.0", command=argv)
    port = pick_port()
    env = task_env(os.environ, release, color=color, port=port, database={})
    runner.start(color, release, [port], {port: env})


def terminated(runner: TaskRunner, color: Color, deadline: float) -> list[TaskRecord]:
    """`color`'s tasks sent SIGTERM and recorded as exiting until `deadline`."""
    tasks = runner.terminate(color)
    ExitingTasks(runner.state_dir).add(tasks, deadline)
    return tasks


def test_a_terminated_task_is_forgotten_once_it_exited_on_its_own(runner: TaskRunner) -> None:
    start(runner, "blue", command("ok"))
    exiting = ExitingTasks(runner.state_dir)
    tasks = terminated(runner, "blue", time.time() + 60)
    assert len(tasks) == 1
    assert runner.load("blue") is None  # no longer the colour's
    assert exiting.recorded() == tasks
    wait_until(lambda: not pid_alive(tasks[0].pid), what="the task to exit on SIGTERM")
    assert exiting.running() == []
    assert exiting.reap() == []  # nothing had to be killed
    assert exiting.recorded() == []


def test_a_task_that_ignores_sigterm_is_killed_once_its_deadline_passed_not_before(
    runner: TaskRunner,
) -> None:
    start(runner, "blue", STUBBORN)
    exiting = ExitingTasks(runner.state_dir)
    tasks = terminated(runner, "blue", time.time() + 60)
    assert exiting.reap() == []  # before its deadline: left to exit
    assert pid_alive(tasks[0].pid)
    assert exiting.reap(now=time.time() + 61) == tasks
    wait_until(lambda: not pid_alive(tasks[0].pid), what="the killed task to be gone")
    assert exiting.recorded() == []


def test_finish_waits_for_one_colour_and_kills_what_outlives_the_timeout(
    runner: TaskRunner,
) -> None:
    start(runner, "blue", STUBBORN)
    start(runner, "green", STUBBORN)
    exiting = ExitingTasks(runner.state_dir)
    blue = terminated(runner, "blue", time.time() + 60)
    green = terminated(runner, "green", time.time() + 60)
    exiting.finish("green", timeout=0.2)
    assert not pid_alive(green[0].pid)
    assert pid_alive(blue[0].pid)  # another colour's task is left to its deadline
    assert exiting.recorded() == blue
    exiting.finish(timeout=0.2)
    assert not pid_alive(blue[0].pid)
    assert exiting.recorded() == []


def test_terminate_forgets_a_task_that_already_exited_without_recording_it_as_exiting(
    runner: TaskRunner,
) -> None:
    start(runner, "blue", command("crash"))
    wait_until(lambda: not runner.status("blue")[0].running, what="the task to crash")
    assert runner.terminate("blue") == []
    assert runner.load("blue") is None


def started(runner: TaskRunner, color: Color, argv: tuple[str, ...]) -> TaskRecord:
    """`color`'s one task, once its shell exec'd `sleep` (the trap, if any, is set by then)."""
    start(runner, color, argv)
    current = runner.load(color)
    assert current is not None
    task = current.tasks[0]
    comm = Path(f"/proc/{task.pid}/comm")
    wait_until(lambda: comm.read_text().strip() == "sleep", what=f"{task.name} to run sleep")
    return task


def test_wait_then_kill_lets_a_task_exit_on_sigterm_and_kills_the_one_that_ignores_it(
    runner: TaskRunner,
) -> None:
    stubborn = started(runner, "blue", STUBBORN)
    polite = started(runner, "green", POLITE)
    # The stubborn one outlives any deadline: a short one keeps the test short.
    killed = wait_then_kill([stubborn, polite], time.time() + 2)
    assert killed == [stubborn]
    for task in (stubborn, polite):  # gone, and reaped: no zombie left
        assert not Path(f"/proc/{task.pid}").exists()


def test_wait_then_kill_past_its_deadline_kills_at_once_and_not_a_task_that_exited(
    runner: TaskRunner,
) -> None:
    stubborn = started(runner, "blue", STUBBORN)
    assert wait_then_kill([stubborn], deadline=0.0, first=None) == [stubborn]  # no wait
    assert not Path(f"/proc/{stubborn.pid}").exists()
    assert wait_then_kill([stubborn], deadline=0.0) == []  # nothing of it left to kill
