"""Releases that fail are aborted with the live colour untouched; locks, kills and recovery.

Real HAProxy, gunicorn and PostgreSQL, driven through the `bluegreen` CLI.
"""

from __future__ import annotations

import shlex
import signal

import pytest

from tests.e2e.conftest import Platform
from tests.fakes import WRONG_PORT_ENV, command
from tests.support.platform import wait_until

pytestmark = pytest.mark.integration

OK = shlex.join(command("ok"))


def up(platform: Platform) -> None:
    result = platform.run("up", "--version", "1.0.0", "--command", OK)
    assert result.code == 0, result.err
    assert platform.status()["live"] == "blue"


def test_bad_releases_are_aborted_with_blue_untouched_and_no_failed_request(
    platform: Platform,
) -> None:
    up(platform)
    bad = {
        "unhealthy": (shlex.join(command("unhealthy")), []),
        "crash": (shlex.join(command("crash")), []),
        "hang": (shlex.join(command("hang")), []),
        "wrong-port": (OK, [f"--env={k}={v}" for k, v in WRONG_PORT_ENV.items()]),
    }
    for name, (cmd, env) in bad.items():
        result = platform.run(
            "deploy", "--version", f"2-{name}", "--command", cmd, *env,
            "--health-timeout", "6", "--probe", "40", "--json",
        )  # fmt: skip
        assert result.code == 1, f"{name}: {result.err}"
        status = platform.status()
        assert status["weights"] == {"blue": 100, "green": 0}, name
        assert status["colors"]["green"]["tasks"] == 0, name
        assert status["colors"]["blue"]["version"] == "1.0.0", name
        assert status["deployment"] is None, name
        assert status["last_deployment"]["outcome"] == "rolled_back", name
        probe = platform.run("probe", "--rps", "40", "--duration", "0.5", "--json").json()
        assert probe["failed"] == 0, name
    history = platform.run("history", "--json").json()
    assert [r["outcome"] for r in history[:4]] == ["rolled_back"] * 4


def test_second_deploy_while_one_waits_for_approval_exits_3_and_changes_nothing(
    platform: Platform,
) -> None:
    up(platform)
    first = platform.spawn(
        "deploy", "--version", "2.0.0", "--command", OK,
        "--strategy", "canary", "--canary-percent", "20", "--interval", "0", "--approve",
    )  # fmt: skip
    try:
        wait_until(
            lambda: (platform.status()["deployment"] or {}).get("state") == "awaiting_approval",
            timeout=90,
            what="the deployment to await approval",
        )
        before = platform.status()
        assert before["weights"] == {"blue": 80, "green": 20}
        second = platform.run("deploy", "--version", "3.0.0", "--command", OK)
        assert second.code == 3
        assert "holds the lock" in second.err
        assert platform.status()["weights"] == before["weights"]
        refused = platform.run("history", "--json").json()[0]  # the refusal, with its reason
        assert (refused["outcome"], refused["to"]["version"]) == ("refused", None)
        assert before["deployment"]["id"] in refused["reason"]
        assert platform.run("promote").code == 0
        assert first.wait(timeout=60) == 0
    finally:
        if first.poll() is None:
            first.kill()
    after = platform.status()
    assert after["weights"] == {"blue": 0, "green": 100}
    assert after["colors"]["green"]["version"] == "2.0.0"
    assert after["last_deployment"]["id"] == before["deployment"]["id"]  # its record intact
    assert after["last_deployment"]["outcome"] == "succeeded"


def test_controller_killed_while_waiting_for_health_is_recovered_by_rollback(
    platform: Platform,
) -> None:
    up(platform)
    hang = shlex.join(command("hang"))
    proc = platform.spawn(
        "deploy", "--version", "2-hang", "--command", hang, "--health-timeout", "120"
    )
    wait_until(
        lambda: (platform.status()["deployment"] or {}).get("step") == "start",
        timeout=90,
        what="the deployment to start green",
    )
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    status = platform.status()
    assert status["deployment"]["state"] == "interrupted"
    assert status["weights"] == {"blue": 100, "green": 0}
    assert "rollback" in status["deployment"]["hint"]
    result = platform.run("rollback", "--json")
    assert result.code == 0, result.err
    status = platform.status()
    assert status["deployment"] is None
    assert status["colors"]["green"]["tasks"] == 0
    assert status["last_deployment"]["outcome"] == "interrupted"
    assert platform.run("deploy", "--version", "2.0.0", "--command", OK).code == 0
    assert platform.status()["colors"]["green"]["version"] == "2.0.0"


def test_controller_killed_right_after_the_switch_is_recovered_by_the_next_deploy(
    platform: Platform,
) -> None:
    up(platform)
    proc = platform.spawn("deploy", "--version", "2.0.0", "--command", OK, "--bake", "60")
    wait_until(
        lambda: (platform.status()["deployment"] or {}).get("step") in ("bake", "verdict"),
        timeout=90,
        what="the deployment to switch and bake",
    )
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    status = platform.status()
    assert status["deployment"]["state"] == "interrupted"
    assert status["weights"] == {"blue": 0, "green": 100}
    assert status["colors"]["green"]["healthy"] == status["colors"]["green"]["tasks"] > 0
    result = platform.run("deploy", "--version", "3.0.0", "--command", OK, "--json")
    assert result.code == 0, result.err
    status = platform.status()
    assert status["deployment"] is None
    assert status["live"] == "green"
    assert status["colors"]["green"]["version"] == "3.0.0"
    assert status["colors"]["blue"]["tasks"] == 0
    outcomes = [r["outcome"] for r in platform.run("history", "--json").json()[:2]]
    assert outcomes == ["succeeded", "interrupted"]


def test_bad_input_on_a_running_platform_exits_2_and_changes_nothing(platform: Platform) -> None:
    up(platform)
    before = platform.status()
    for args in (
        ["deploy", "--version", "2", "--strategy", "bogus"],
        ["deploy", "--version", "2", "--tasks", "99"],
        ["deploy", "--version", "2", "--env", "=x"],
        ["promote"],
    ):
        result = platform.run(*args)
        assert result.code == 2, (args, result.err)
    assert platform.status() == before


def test_sigterm_during_a_canary_puts_traffic_back_and_frees_the_lock(platform: Platform) -> None:
    """What a cancelled CI job does to a deployment: it rolls back instead of dying half-way."""
    up(platform)
    proc = platform.spawn(
        "deploy", "--version", "2.0.0", "--command", OK,
        "--strategy", "canary", "--canary-percent", "30", "--interval", "60",
    )  # fmt: skip
    wait_until(
        lambda: platform.status()["weights"] == {"blue": 70, "green": 30},
        timeout=90,
        what="the canary step",
    )
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 1
    status = platform.status()
    assert status["weights"] == {"blue": 100, "green": 0}
    assert status["colors"]["green"]["tasks"] == 0
    assert status["deployment"] is None
    assert status["last_deployment"]["reason"] == "interrupted by the operator; traffic restored"
