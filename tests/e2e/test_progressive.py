"""Canary and linear shifts, bake and approval on the real local platform."""

from __future__ import annotations

import json
import shlex
import time

import pytest

from tests.e2e.conftest import Platform
from tests.fakes import command
from tests.support.platform import balancer_shares, wait_until

pytestmark = pytest.mark.integration

OK = shlex.join(command("ok"))


def up(platform: Platform) -> None:
    result = platform.run("up", "--version", "1.0.0", "--command", OK)
    assert result.code == 0, result.err


def step(platform: Platform) -> str | None:
    deployment = platform.status()["deployment"] or {}
    return deployment.get("step")


def test_canary_of_a_release_serving_5xx_is_rolled_back_with_failures_bounded_by_its_share(
    platform: Platform,
) -> None:
    up(platform)
    flaky = shlex.join(command("flaky"))
    rps, share = 100, 10
    result = platform.run(
        "deploy", "--version", "2-flaky", "--command", flaky, "--env", "FAKE_ERROR_RATE=0.2",
        "--strategy", "canary", "--canary-percent", str(share), "--interval", "30",
        "--probe", str(rps), "--json",
    )  # fmt: skip
    assert result.code == 1, result.err
    assert "5xx" in result.err
    status = platform.status()
    assert status["weights"] == {"blue": 100, "green": 0}
    assert status["colors"]["green"]["tasks"] == 0
    record = platform.run("history", "--json").json()[0]
    assert record["outcome"] == "rolled_back"
    assert "answered 5xx" in record["reason"] or "5xx rate" in record["reason"]
    breach = next(v for v in record["verdicts"] if not v["ok"])
    assert breach["during"] == "step 1/2"
    probe = json.loads((platform.state_dir / "probes" / f"{record['id']}.json").read_text())
    canary_seconds = sum(
        1 for s in probe["series"] if s["by_version"].get("2-flaky") or s["failed"]
    )
    # Only the canary's share of the traffic, for as long as it ran, could fail.
    assert 0 < probe["failed"] <= share / 100 * rps * (canary_seconds + 1)
    assert probe["failed"] < breach["requests"] + 10


def test_linear_weights_observed_at_the_load_balancer_follow_the_plan(platform: Platform) -> None:
    up(platform)
    proc = platform.spawn(
        "deploy", "--version", "2.0.0", "--command", OK,
        "--strategy", "linear", "--step-percent", "25", "--interval", "3",
        "--probe", "40",  # traffic, so each step has the evidence it needs to pass
    )  # fmt: skip
    # Watched on HAProxy's own socket, a few milliseconds a look. (A `status` subprocess per
    # look costs an interpreter start and the CLI's imports: on a loaded 2-core machine that
    # took longer than the whole shift, and the test saw (100, 0) then (0, 100) only.)
    socket_path = platform.state_dir / "haproxy.sock"
    seen: list[tuple[int, int]] = []

    def look() -> None:
        pair = balancer_shares(socket_path)
        if pair is not None and (not seen or seen[-1] != pair):
            seen.append(pair)

    deadline = time.monotonic() + 600  # a generous bound on a loaded machine, not a timing
    while proc.poll() is None:
        look()
        if time.monotonic() > deadline:
            proc.terminate()
            pytest.fail(f"the deploy did not end within 600 s; weights seen: {seen}")
        time.sleep(0.02)  # between looks, so the watch leaves the CPU to the deployment
    look()  # what the balancer was left with
    _, err = proc.communicate()
    assert proc.returncode == 0, err
    assert seen[-1] == (0, 100)
    assert [p for p in seen if p != (100, 0)] == [(75, 25), (50, 50), (25, 75), (0, 100)]


def test_rollback_during_the_bake_is_instant_and_drops_nothing(platform: Platform) -> None:
    up(platform)
    proc = platform.spawn(
        "deploy", "--version", "2.0.0", "--command", OK, "--bake", "60", "--probe", "100", "--json"
    )
    wait_until(lambda: step(platform) == "bake", timeout=90, what="the bake to begin")
    started = time.monotonic()
    result = platform.run("rollback", "--json")
    took = time.monotonic() - started
    assert result.code == 0, result.err
    assert proc.wait(timeout=60) == 1
    record = platform.run("history", "--json").json()[0]
    assert record["outcome"] == "rolled_back"
    assert "rollback requested" in record["reason"]
    status = platform.status()
    assert status["weights"] == {"blue": 100, "green": 0}
    assert status["colors"]["blue"]["version"] == "1.0.0"
    probe = json.loads((platform.state_dir / "probes" / f"{record['id']}.json").read_text())
    assert probe["failed"] == 0
    assert probe["by_version"].keys() == {"1.0.0", "2.0.0"}
    events = platform.events(record["id"])
    abort_seen = next(e["at"] for e in events if e["step"] == "restore")
    restored = next(e["at"] for e in events if e["step"] == "restored")
    assert restored - abort_seen < 1.0  # one runtime-API call, no start or wait
    print(f"rollback command took {took:.2f} s")


def test_approval_timeout_rolls_back(platform: Platform) -> None:
    up(platform)
    result = platform.run(
        "deploy", "--version", "2.0.0", "--command", OK, "--strategy", "canary",
        "--interval", "0", "--approve", "--approve-timeout", "3",
    )  # fmt: skip
    assert result.code == 1
    assert "no approval within 3 s" in result.err
    status = platform.status()
    assert status["weights"] == {"blue": 100, "green": 0}
    assert status["colors"]["green"]["tasks"] == 0


def test_smoke_test_reaches_only_the_new_colour_and_a_failing_one_aborts_before_traffic(
    platform: Platform,
) -> None:
    up(platform)
    probe_new = (
        'python3 -c "import json,os,sys,urllib.request as u; '
        "b=json.load(u.urlopen(os.environ['BLUEGREEN_TARGET_URL'] + '/')); "
        "sys.exit(0 if b['version'] == sys.argv[1] else 7)\""
    )
    failing = platform.run(
        "deploy", "--version", "2.0.0", "--command", OK, "--smoke", f"{probe_new} 9.9.9"
    )
    assert failing.code == 1
    assert "smoke test failed with exit code 7" in failing.err
    record = platform.run("history", "--json").json()[0]
    assert "shift" not in [e["step"] for e in platform.events(record["id"])]
    assert platform.status()["weights"] == {"blue": 100, "green": 0}
    passing = platform.run(
        "deploy", "--version", "2.0.0", "--command", OK, "--smoke", f"{probe_new} 2.0.0"
    )
    assert passing.code == 0, passing.err
    assert platform.status()["colors"]["green"]["version"] == "2.0.0"
