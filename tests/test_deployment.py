"""The deployment procedure's ordering, undo and invariants, on an in-memory platform.

Real HAProxy, gunicorn and PostgreSQL run in tests/local and tests/e2e; here the decisions
and their order are checked exhaustively and fast.
"""

from pathlib import Path

import pytest

from bluegreen.config import AnalysisSettings
from bluegreen.deployment import Deployment
from bluegreen.errors import AnalysisError, DeployError, HealthCheckError, LockError
from bluegreen.events import SignalAbort, SignalPromote
from bluegreen.journal import read, send_signal
from bluegreen.model import Release, Weights
from bluegreen.plan import Strategy
from bluegreen.progress import SilentProgress
from bluegreen.records import DeploymentRecord, Outcome, Side
from bluegreen.request import DeployRequest
from bluegreen.state import LockInfo
from tests.support.clock import FakeClock
from tests.support.memory import MemoryProvider


def run(provider: MemoryProvider, clock: FakeClock, **kwargs: object) -> DeploymentRecord:
    release = kwargs.pop("release", Release("2.0.0", migrate_command=("migrate",)))
    readiness = kwargs.pop("readiness", lambda _url: None)
    request = DeployRequest(release=release, tasks=2, **kwargs)  # type: ignore[arg-type]  # test-only kwargs
    return Deployment(provider, request, SilentProgress(), clock=clock, readiness=readiness).run()  # type: ignore[arg-type]  # test-only kwargs


def test_successful_deploy_moves_traffic_then_stops_the_old_colour(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    record = run(platform, clock)
    assert platform.calls == [
        ("migrate", "2.0.0"),
        ("start", "green"),
        ("weights", {"blue": 0, "green": 100}),
        ("record_live", "green"),
        ("stop", "blue"),
    ]
    assert record.outcome is Outcome.SUCCEEDED
    assert record.old == Side("blue", Release("1.0.0"))
    assert platform.state.records == [record]
    assert platform.state.lock is None
    assert platform.violations == []


def test_intent_is_journaled_before_each_change(platform: MemoryProvider, clock: FakeClock) -> None:
    record = run(platform, clock)
    steps = [e.step for e in platform.state.events(record.id)]
    assert steps == [
        "begin",
        "guard-skipped",  # the releases have no revision files and no check command is set
        "migrate",
        "migrated",
        "live-checked",
        "start",
        "healthy",
        "shift",
        "shifted",
        "live",
        "drain",
        "stop",
        "stopped",
        "end",
    ]


def test_a_stop_that_leaves_tasks_exiting_is_journaled_as_stopping_not_stopped(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    platform.exiting_on_stop = 2
    record = run(platform, clock)
    entries = platform.state.events(record.id)
    assert [e.step for e in entries][-4:] == ["drain", "stop", "stopping", "end"]
    stopping = next(e for e in entries if e.step == "stopping")
    assert stopping.data == {"color": "blue", "exiting": 2}


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


def test_linear_sets_every_planned_weight_in_order(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    run(platform, clock, strategy=Strategy("linear", step_percent=25, interval=5))
    assert [c[1]["green"] for c in platform.calls if c[0] == "weights"] == [25, 50, 75, 100]
    assert platform.violations == []


def test_first_deploy_goes_all_at_once_to_blue(clock: FakeClock) -> None:
    empty = MemoryProvider(clock=clock)
    record = run(empty, clock, strategy=Strategy("canary", 10, interval=30))
    assert [c for c in empty.calls if c[0] == "weights"] == [("weights", {"blue": 100, "green": 0})]
    assert record.new.color == "blue"


def test_bake_keeps_the_old_colour_running_until_it_ends(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    seen_running_during_bake: list[bool] = []
    clock.on_sleep.append(
        lambda _now: seen_running_during_bake.append(platform.colors["blue"].desired > 0)
    )
    run(platform, clock, bake=20)
    assert seen_running_during_bake
    assert all(seen_running_during_bake)
    assert platform.colors["blue"].desired == 0


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


def test_live_colour_failing_after_migration_stops_before_new_tasks_start(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    with pytest.raises(DeployError, match="live colour blue fails on the new schema"):
        run(platform, clock, readiness=lambda _url: "/ready answered 503")
    assert platform.calls == [("migrate", "2.0.0")]
    assert platform.weights == Weights(100, 0)


def test_migration_is_skipped_when_the_live_code_already_has_every_revision(
    platform: MemoryProvider, clock: FakeClock, tmp_path: Path
) -> None:
    versions = tmp_path / "app" / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_first.py").write_text(
        "revision = '0001'\ndown_revision = None\nbluegreen_change = 'expand'\n"
    )
    workdir = str(tmp_path / "app")
    platform.colors["blue"].release = Release("1.0.0", workdir=workdir)
    record = run(platform, clock, release=Release("2.0.0", migrate_command=("m",), workdir=workdir))
    assert ("migrate", "2.0.0") not in platform.calls
    assert "migrate-skipped" in [e.step for e in platform.state.events(record.id)]


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


def test_the_history_record_round_trips_through_its_json_form(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    record = run(platform, clock, strategy=Strategy("canary", 10, interval=5))
    data = record.to_dict()
    assert data["from"]["version"] == "1.0.0"
    assert data["to"] == {
        "color": "green",
        "version": "2.0.0",
        "release": Release("2.0.0", migrate_command=("migrate",)).to_dict(),
    }
    assert DeploymentRecord.from_dict(data) == record


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
