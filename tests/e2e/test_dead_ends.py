"""No dead ends: from each state the journal and the platform can be left in, the command the
runbook (docs/runbooks/no-dead-ends.md) names brings back one healthy live colour, keeps the
data, and says what it did. Real HAProxy, gunicorn and PostgreSQL, driven through the CLI.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import Platform
from tests.fakes import command
from tests.support.platform import wait_until

pytestmark = pytest.mark.integration

OK = shlex.join(command("ok"))


def up(platform: Platform) -> None:
    result = platform.run("up", "--version", "1.0.0", "--command", OK)
    assert result.code == 0, result.err
    assert platform.status()["live"] == "blue"


def answer(platform: Platform) -> dict[str, str] | None:
    """What the public listener answers (None when nothing does)."""
    try:
        with urllib.request.urlopen(platform.url + "/", timeout=3) as response:  # noqa: S310 - 127.0.0.1
            data: dict[str, str] = json.loads(response.read())
            return data
    except OSError:
        return None


def kill_haproxy(platform: Platform) -> None:
    pid = int((platform.state_dir / "haproxy.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: answer(platform) is None, timeout=10, what="HAProxy gone")


def kill_task(platform: Platform, color: str) -> None:
    """Every task of `color` (SIGKILL to each process group)."""
    tasks = json.loads((platform.state_dir / "tasks.json").read_text())
    for task in tasks[color]["tasks"]:
        os.killpg(task["pid"], signal.SIGKILL)


def task_pids(platform: Platform, color: str) -> list[int]:
    tasks = json.loads((platform.state_dir / "tasks.json").read_text())
    return [task["pid"] for task in tasks[color]["tasks"]]


def kill_postgres(platform: Platform) -> None:
    pidfile = platform.state_dir / "postgres" / "postmaster.pid"
    os.kill(int(pidfile.read_text().split("\n", 1)[0]), signal.SIGKILL)


def start_canary(platform: Platform) -> subprocess.Popen[str]:
    proc = platform.spawn(
        "deploy", "--version", "2.0.0", "--command", OK,
        "--strategy", "canary", "--canary-percent", "20", "--interval", "120",
    )  # fmt: skip
    wait_until(
        lambda: platform.status()["weights"] == {"blue": 80, "green": 20},
        timeout=90,
        what="the canary step",
    )
    return proc


def assert_one_healthy_live(platform: Platform, color: str, version: str) -> None:
    """One colour takes everything, HAProxy agrees, the lock is free, and it answers."""
    status = platform.status()
    assert status["live"] == color, status
    assert status["weights"][color] == 100
    assert status["colors"][color]["healthy"] == status["colors"][color]["desired"] > 0
    assert status["deployment"] is None
    other = "green" if color == "blue" else "blue"
    assert all(w == 0 for n, w in status["server_weights"].items() if n.startswith(other))
    served = answer(platform)
    assert served is not None
    assert served["version"] == version, served


def test_haproxy_killed_mid_canary_the_deploy_heals_it_and_says_so_only_when_checked(
    platform: Platform,
) -> None:
    up(platform)
    deploy = start_canary(platform)
    kill_haproxy(platform)
    _, err = deploy.communicate(timeout=120)
    assert deploy.returncode == 1, err
    assert "restarted HAProxy" in err
    if "traffic restored" in err:  # a claim the platform must bear out
        assert "NOT restored" not in err
        assert_one_healthy_live(platform, "blue", "1.0.0")
    else:
        assert "traffic NOT restored" in err


def test_split_traffic_dead_controller_and_platform_down_up_restores_the_last_live_release(
    platform: Platform,
) -> None:
    """The trap of issue 15: a canary at 80/20 loses its controller and HAProxy, then `down`."""
    up(platform)
    deploy = start_canary(platform)
    deploy.send_signal(signal.SIGKILL)
    deploy.wait(timeout=10)
    kill_haproxy(platform)
    assert platform.run("down").code == 0
    result = platform.run("up", "--version", "9.9.9")
    assert result.code == 0, result.err
    assert "restarted HAProxy" in result.err
    assert "all traffic on blue" in result.err
    assert "started the last live release 1.0.0 on blue" in result.err
    assert "recovered interrupted deploy" in result.err
    assert_one_healthy_live(platform, "blue", "1.0.0")
    history = platform.run("history", "--json").json()
    assert [r["outcome"] for r in history][:2] == ["interrupted", "succeeded"]


def test_split_traffic_and_platform_down_rollback_alone_gets_out(platform: Platform) -> None:
    up(platform)
    deploy = start_canary(platform)
    deploy.send_signal(signal.SIGKILL)
    deploy.wait(timeout=10)
    assert platform.run("down").code == 0
    result = platform.run("rollback")
    assert result.code == 0, result.err
    assert_one_healthy_live(platform, "blue", "1.0.0")
    assert platform.run("deploy", "--version", "3.0.0", "--command", OK).code == 0
    assert_one_healthy_live(platform, "green", "3.0.0")


def test_everything_stopped_up_starts_the_last_live_release_not_its_version_flag(
    platform: Platform,
) -> None:
    up(platform)
    assert platform.run("deploy", "--version", "2.0.0", "--command", OK).code == 0
    assert platform.run("down").code == 0
    result = platform.run("up", "--version", "1.0.0", "--command", OK)
    assert result.code == 0, result.err
    assert "started the last live release 2.0.0 on green" in result.err
    assert_one_healthy_live(platform, "green", "2.0.0")
    again = platform.run("up")
    assert again.code == 0
    assert "nothing changed" in again.err


def test_crashed_live_task_is_restarted_by_up_and_deploy_works_again(platform: Platform) -> None:
    up(platform)
    kill_task(platform, "blue")
    wait_until(lambda: platform.status()["colors"]["blue"]["healthy"] == 0, what="task down")
    result = platform.run("up")
    assert result.code == 0, result.err
    assert "restarted task blue-1" in result.err
    assert_one_healthy_live(platform, "blue", "1.0.0")
    assert platform.run("deploy", "--version", "2.0.0", "--command", OK).code == 0


def test_crashed_live_task_rollback_restarts_it_when_nothing_else_runs(platform: Platform) -> None:
    up(platform)
    kill_task(platform, "blue")
    wait_until(lambda: platform.status()["colors"]["blue"]["healthy"] == 0, what="task down")
    result = platform.run("rollback")
    assert result.code == 0, result.err
    assert_one_healthy_live(platform, "blue", "1.0.0")


def test_postgres_killed_up_restarts_it_without_redeploying(platform: Platform) -> None:
    up(platform)
    before = len(platform.run("history", "--json").json())
    kill_postgres(platform)
    result = platform.run("up", "--version", "7.0.0")
    assert result.code == 0, result.err
    assert "restarted PostgreSQL" in result.err
    assert len(platform.run("history", "--json").json()) == before
    assert_one_healthy_live(platform, "blue", "1.0.0")


def test_up_watch_restarts_haproxy_and_a_task_while_idle(platform: Platform) -> None:
    """Whenever the kill lands in the supervisor's round (before its heal, or between the heal
    and its look at the colours), the tasks are restarted in place: never replaced, which
    emptied the colour for a moment (status: version null) and printed another message. Each
    restart is said when it happens, before the round's summary."""
    up(platform)
    watch = platform.spawn("up", "--watch", "600")  # stopped below; long enough under load
    lines: list[str] = []  # its stderr as it comes
    stream = watch.stderr
    assert stream is not None
    reader = threading.Thread(target=lambda: lines.extend(iter(stream.readline, "")))
    reader.start()

    def said(text: str, after: int = 0) -> int | None:
        """The index of the first line from `after` on that contains `text`."""
        return next((i for i, line in enumerate(lines[after:], after) if text in line), None)

    try:
        wait_until(lambda: watch.poll() is None and answer(platform) is not None, what="watch")
        kill_haproxy(platform)
        wait_until(lambda: said("restarted HAProxy") is not None, timeout=90, what="HAProxy")
        before = task_pids(platform, "blue")
        seen = len(lines)
        kill_task(platform, "blue")
        wait_until(
            lambda: said("restarted task blue-1", seen) is not None,
            timeout=90,
            what="the watch's line for the restarted task",
        )
        restarted = said("restarted task blue-1", seen)
        assert restarted is not None
        # Its own line, not the round's summary; stopped only once that summary came (the
        # round that restarted the tasks waits for their checks before it says it is done).
        wait_until(
            lambda: said("watch: restored (", restarted + 1) is not None,
            timeout=90,
            what="the summary of the round that restarted the task",
        )
    finally:
        # SIGTERM (a supervisor's stop; the CLI turns it into Ctrl-C): a SIGINT would be
        # ignored when the suite itself runs as a background job, which ignores it for good
        watch.send_signal(signal.SIGTERM)
        watch.wait(timeout=60)
        reader.join(timeout=10)
    assert not set(task_pids(platform, "blue")) & set(before)
    assert "started the last live release" not in "".join(lines)  # restarted in place
    assert_one_healthy_live(platform, "blue", "1.0.0")


def test_state_dir_is_never_deleted_by_the_recovery_commands(platform: Platform) -> None:
    up(platform)
    kill_haproxy(platform)
    kill_postgres(platform)
    assert platform.run("down").code == 0
    assert platform.run("up").code == 0
    assert Path(platform.state_dir / "postgres" / "PG_VERSION").exists()
    assert len(platform.run("history", "--json").json()) >= 1
