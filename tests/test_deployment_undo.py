"""A deployment that goes wrong or is refused, on the in-memory platform: what it undoes and in
which order (traffic back before the new colour stops), what it never starts, and its health
waits (a crash fails at once, one missed check is a blip, reads often enough).
"""

import pytest

from bluegreen.errors import AnalysisError, DeployError, HealthCheckError, LockError
from bluegreen.events import SignalAbort
from bluegreen.journal import send_signal
from bluegreen.model import Release, Weights
from bluegreen.plan import Strategy
from bluegreen.records import Outcome
from bluegreen.state import LockInfo
from tests.support.clock import FakeClock
from tests.support.memory import MemoryProvider
from tests.support.memory_deploy import run


def test_release_that_never_turns_healthy_is_aborted_with_old_colour_untouched(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    bad = Release("2.0.0", env={"FAKE_HEALTHY": "0"})
    with pytest.raises(HealthCheckError, match="0 of 2 task"):
        run(platform, clock, release=bad, health_timeout=5)
    assert platform.weights == Weights(100, 0)
    assert ("stop", "green") in platform.calls
    assert not any(c[0] == "weights" and c[1]["green"] > 0 for c in platform.calls)
    assert platform.state.records[-1].outcome is Outcome.ROLLED_BACK
    assert platform.state.lock is None


def test_crash_at_start_fails_at_once_without_waiting_for_the_timeout(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    started = clock.now
    with pytest.raises(HealthCheckError, match="exited with code 3"):
        run(platform, clock, release=Release("2.0.0", env={"FAKE_CRASH": "1"}), health_timeout=60)
    assert clock.now - started < 1
    assert platform.colors["green"].desired == 0


def test_failed_migration_stops_before_anything_starts(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    platform.fail_migration = True
    with pytest.raises(DeployError, match="migration failed"):
        run(platform, clock)
    assert platform.calls == [("migrate", "2.0.0")]
    assert platform.weights == Weights(100, 0)


def test_canary_breach_rolls_back_traffic_before_stopping_the_new_colour(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    bad = Release("2.0.0", env={"FAKE_ERROR_RATE": "0.5"})
    with pytest.raises(AnalysisError, match=r"5 of 10 requests answered 5xx"):
        run(platform, clock, release=bad, strategy=Strategy("canary", 10, interval=30))
    weights = [c for c in platform.calls if c[0] in ("weights", "stop")]
    assert weights == [
        ("weights", {"blue": 90, "green": 10}),
        ("weights", {"blue": 100, "green": 0}),
        ("stop", "green"),
    ]
    record = platform.state.records[-1]
    assert record.outcome is Outcome.ROLLED_BACK
    assert "requests answered 5xx" in str(record.reason)
    assert [v.during for v in record.verdicts] == ["step 1/2"]


def test_abort_signal_during_bake_restores_the_old_colour(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    def abort_once_baking(_now: float) -> None:
        deployment = platform.state.lock
        if deployment and platform.weights == Weights(0, 100):
            send_signal(platform.state, deployment.deployment_id, SignalAbort(), clock)

    clock.on_sleep.append(abort_once_baking)
    with pytest.raises(DeployError, match="rollback requested"):
        run(platform, clock, bake=60)
    assert platform.weights == Weights(100, 0)
    assert platform.colors["blue"].desired == 2
    assert platform.colors["green"].desired == 0


def test_held_lock_refuses_and_changes_nothing(platform: MemoryProvider, clock: FakeClock) -> None:
    platform.state.lock = LockInfo("other", "someone", "deploy", 0, 10**10)
    with pytest.raises(LockError):
        run(platform, clock)
    assert platform.calls == []


def test_split_traffic_is_refused_before_any_change(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    platform.seed("green", "0.9")
    platform.weights = Weights(50, 50)
    with pytest.raises(DeployError, match="traffic is split"):
        run(platform, clock)
    assert platform.calls == []
    assert platform.state.lock is None
    # refused, and the history says so (with why), so the evidence is kept
    [record] = platform.state.records
    assert record.outcome is Outcome.REFUSED
    assert "traffic is split" in str(record.reason)


def test_live_colour_failing_after_migration_stops_before_new_tasks_start(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    with pytest.raises(DeployError, match="live colour blue fails on the new schema"):
        run(platform, clock, readiness=lambda _url: "/ready answered 503")
    assert platform.calls == [("migrate", "2.0.0")]
    assert platform.weights == Weights(100, 0)


def test_one_missed_health_check_is_a_blip_but_two_in_a_row_roll_back(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    looks: list[int] = []

    def blip_once(_now: float) -> None:
        green = platform.colors["green"]
        if platform.weights.green and green.desired:
            looks.append(1)
            green.healthy = 1 if len(looks) == 1 else 2

    clock.on_sleep.append(blip_once)
    run(platform, clock, strategy=Strategy("canary", 10, interval=5))
    assert platform.weights == Weights(0, 100)

    clock.on_sleep[:] = [lambda _now: setattr(platform.colors["blue"], "healthy", 1)]
    with pytest.raises(AnalysisError, match=r"1 target\(s\) failed the health check"):
        run(platform, clock, strategy=Strategy("canary", 10, interval=5))
    assert platform.weights == Weights(0, 100)  # back on green, the old colour


def test_ctrl_c_mid_deployment_restores_traffic_and_writes_exactly_one_record(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    def interrupt_while_canary(_now: float) -> None:
        if platform.weights == Weights(90, 10):
            raise KeyboardInterrupt

    clock.on_sleep.append(interrupt_while_canary)
    with pytest.raises(DeployError, match="interrupted by the operator"):
        run(platform, clock, strategy=Strategy("canary", 10, interval=30))
    assert platform.weights == Weights(100, 0)
    [record] = platform.state.records
    assert record.outcome is Outcome.ROLLED_BACK
    assert platform.state.lock is None
    kinds = [e.step for e in platform.state.events(record.id)]
    assert kinds[-1] == "end"
    assert kinds.count("end") == 1


@pytest.mark.parametrize(("target", "longest"), [("local", 0.2), ("aws", 1.0)])
def test_health_is_read_at_least_every_200_ms_locally_and_every_second_on_aws(
    platform: MemoryProvider, clock: FakeClock, target: str, longest: float
) -> None:
    # a local read is a socket and /proc; on AWS each read costs API calls
    platform.target = target
    bad = Release("2.0.0", env={"FAKE_HEALTHY": "0"})
    with pytest.raises(HealthCheckError):
        run(platform, clock, release=bad, health_timeout=30)
    waits = clock.slept[:-1]  # the last one is cut short by the deadline
    assert max(waits) == pytest.approx(longest)
    assert len(waits) > 10
