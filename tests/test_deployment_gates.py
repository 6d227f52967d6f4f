"""The gates between a deployment's steps, on the in-memory platform: the canary's verdict (the
configured threshold, inconclusive steps per policy, a pass only after its interval and enough
requests) and the approval pause (promoted, or rolled back at its timeout).
"""

import pytest

from bluegreen.config import AnalysisSettings
from bluegreen.errors import AnalysisError, DeployError
from bluegreen.events import SignalPromote
from bluegreen.journal import read, send_signal
from bluegreen.model import Release, Weights
from bluegreen.plan import Strategy
from bluegreen.records import Outcome
from tests.support.clock import FakeClock
from tests.support.memory import MemoryProvider
from tests.support.memory_deploy import run


def test_approval_pauses_before_the_final_shift_until_promoted(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    weights_when_waiting: list[Weights] = []

    def promote_after_a_while(now: float) -> None:
        deployment = platform.state.lock
        if deployment and now - deployment.acquired_at > 30:
            weights_when_waiting.append(platform.weights)
            send_signal(platform.state, deployment.deployment_id, SignalPromote(), clock)

    clock.on_sleep.append(promote_after_a_while)
    run(platform, clock, strategy=Strategy("canary", 10, interval=1), approve=True)
    assert weights_when_waiting[0] == Weights(90, 10)
    assert platform.weights == Weights(0, 100)


def test_approval_timeout_rolls_back(platform: MemoryProvider, clock: FakeClock) -> None:
    with pytest.raises(DeployError, match="no approval within 60 s"):
        run(
            platform,
            clock,
            strategy=Strategy("canary", 10, interval=1),
            approve=True,
            approve_timeout=60,
        )
    assert platform.weights == Weights(100, 0)


def test_analysis_uses_configured_window_and_threshold(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    slightly_bad = Release("2.0.0", env={"FAKE_ERROR_RATE": "0.1"})
    lenient = AnalysisSettings(max_error_rate=0.2)
    run(
        platform,
        clock,
        release=slightly_bad,
        strategy=Strategy("canary", 50, interval=5),
        analysis=lenient,
    )
    assert platform.weights == Weights(0, 100)


QUIET = AnalysisSettings(min_requests=1000)  # the memory platform never serves that many


def test_a_canary_without_enough_traffic_is_inconclusive_and_rolls_back_by_default(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    with pytest.raises(AnalysisError, match=r"step 1/2: inconclusive: not enough traffic to judge"):
        run(platform, clock, strategy=Strategy("canary", 10, interval=2), analysis=QUIET)
    assert platform.weights == Weights(100, 0)
    record = platform.state.records[-1]
    assert record.outcome is Outcome.ROLLED_BACK
    (verdict,) = record.verdicts
    assert (verdict.state, verdict.action, verdict.ok) == ("inconclusive", "rollback", False)
    assert verdict.elapsed is not None
    assert verdict.elapsed >= 6
    assert verdict.baseline_requests is not None
    assert verdict.baseline_requests > 0


def test_an_inconclusive_step_promoted_by_policy_stays_inconclusive_in_the_record(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    analysis = AnalysisSettings(min_requests=1000, on_inconclusive="promote", max_wait=4)
    record = run(platform, clock, strategy=Strategy("canary", 10, interval=2), analysis=analysis)
    assert platform.weights == Weights(0, 100)
    assert [v.state for v in record.verdicts] == ["inconclusive"]
    assert not record.verdicts[0].ok
    assert any("inconclusive" in note for note in record.notes)


def test_an_inconclusive_step_set_to_pause_waits_for_its_own_promote(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    weights_when_waiting: list[Weights] = []

    def promote_when_paused(now: float) -> None:
        deployment = platform.state.lock
        if deployment is None:
            return
        view = read(platform.state, deployment.deployment_id)
        if view.awaiting_approval:
            weights_when_waiting.append(platform.weights)
            send_signal(platform.state, deployment.deployment_id, SignalPromote(), clock)

    clock.on_sleep.append(promote_when_paused)
    analysis = AnalysisSettings(min_requests=1000, on_inconclusive="pause")
    run(
        platform,
        clock,
        strategy=Strategy("canary", 10, interval=2),
        analysis=analysis,
        approve=True,
    )
    # two pauses (the inconclusive step, then --approve), each promoted on its own
    assert weights_when_waiting == [Weights(90, 10), Weights(90, 10)]
    assert platform.weights == Weights(0, 100)


def test_a_healthy_canary_passes_only_after_its_interval_and_enough_requests(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    record = run(platform, clock, strategy=Strategy("canary", 10, interval=5))
    (verdict,) = record.verdicts
    assert verdict.state == "ok"
    assert verdict.elapsed is not None
    assert verdict.elapsed >= 5
    assert verdict.requests >= 20
