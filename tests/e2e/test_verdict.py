"""The evidence verdict on the real local platform (HAProxy counters, gunicorn, the probe).

Low traffic is where a verdict on "the last window" used to pass a broken release: each test
here runs at a few requests a second, or with both cores kept busy.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.e2e.conftest import Platform
from tests.fakes import command

pytestmark = pytest.mark.integration

OK = shlex.join(command("ok"))
FLAKY = shlex.join(command("flaky"))
BROKEN = shlex.join(command("broken"))


def up(platform: Platform) -> None:
    result = platform.run("up", "--version", "1.0.0", "--command", OK)
    assert result.code == 0, result.err


@contextmanager
def both_cores_busy() -> Iterator[None]:
    """Two processes spinning for the duration (the machine has 2 cores)."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def _rolled_back_within_share(platform: Platform, rps: int, share: int) -> dict[str, Any]:
    """Asserts the rollback and the bound on failures; returns the probe's report."""
    status = platform.status()
    assert status["weights"] == {"blue": 100, "green": 0}
    assert status["colors"]["blue"]["version"] == "1.0.0"
    assert status["colors"]["green"]["tasks"] == 0
    record = platform.run("history", "--json").json()[0]
    assert record["outcome"] == "rolled_back"
    (verdict,) = record["verdicts"]
    assert verdict["state"] == "failed"
    assert verdict["baseline_requests"] is not None
    probe: dict[str, Any] = json.loads(
        (platform.state_dir / "probes" / f"{record['id']}.json").read_text()
    )
    # The canary had weight from its shift until traffic was restored (the journal's times).
    events = platform.events(record["id"])
    shifted_at = next(e["at"] for e in events if e["step"] == "shift")
    restored_at = next(e["at"] for e in events if e["step"] == "restored")
    canary_seconds = restored_at - shifted_at
    # Only the canary's share of the traffic, for as long as it ran, could fail (a second
    # more for requests in flight at each end, one more for the balancer's rounding).
    assert 0 < probe["failed"] <= share / 100 * rps * (canary_seconds + 1) + 1
    return probe


def test_a_low_traffic_canary_whose_every_answer_but_health_is_500_is_rolled_back(
    platform: Platform,
) -> None:
    # The case: /health passes (so the balancer's check does not stop it), 5 req/s,
    # a 10% canary, 20 s steps; the step used to end on a too-small window and promote it.
    up(platform)
    rps, share = 5, 10
    result = platform.run(
        "deploy", "--version", "2-broken", "--command", BROKEN,
        "--strategy", "canary", "--canary-percent", str(share), "--interval", "20",
        "--probe", str(rps), "--json",
    )  # fmt: skip
    assert result.code == 1, result.err
    assert "answered 5xx" in result.err
    probe = _rolled_back_within_share(platform, rps, share)
    assert "2-broken" not in probe["by_version"]  # not one of its answers succeeded


def test_a_half_failing_canary_is_rolled_back_while_both_cores_are_busy(
    platform: Platform,
) -> None:
    up(platform)
    rps, share = 60, 20
    with both_cores_busy():
        result = platform.run(
            "deploy", "--version", "2-half", "--command", FLAKY, "--env", "FAKE_ERROR_RATE=0.5",
            "--strategy", "canary", "--canary-percent", str(share), "--interval", "20",
            "--probe", str(rps), "--json",
        )  # fmt: skip
    assert result.code == 1, result.err
    _rolled_back_within_share(platform, rps, share)


def test_a_healthy_canary_at_five_requests_a_second_is_promoted_with_analysis_load(
    platform: Platform,
) -> None:
    up(platform)
    text = platform.config.read_text(encoding="utf-8")
    platform.config.write_text(text + '[analysis]\nload = { rps = 5, path = "/health" }\n')
    result = platform.run(
        "deploy", "--version", "2.0.0", "--command", OK,
        "--strategy", "canary", "--canary-percent", "10", "--interval", "5",
        "--probe", "5", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    record = platform.run("history", "--json").json()[0]
    assert record["outcome"] == "succeeded"
    (verdict,) = record["verdicts"]
    assert verdict["state"] == "ok"
    # 0.5 req/s of real traffic could not give 20 requests in the step: the load did
    assert verdict["requests"] >= 20
    assert verdict["elapsed"] < 20
    assert platform.status()["weights"] == {"blue": 0, "green": 100}


def test_a_quiet_canary_without_analysis_load_is_inconclusive_and_rolled_back(
    platform: Platform,
) -> None:
    up(platform)
    result = platform.run(
        "deploy", "--version", "2.0.0", "--command", OK,
        "--strategy", "canary", "--canary-percent", "10", "--interval", "2",
    )  # fmt: skip
    assert result.code == 1, result.err
    assert "not enough traffic to judge" in result.err
    assert platform.status()["weights"] == {"blue": 100, "green": 0}
