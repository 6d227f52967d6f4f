"""The verdict's rules over live counters (local): the whole step and the last window, both
colours, counter resets, alarms, `min_requests` boundaries, the record; never ok too early."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluegreen.evidence import (
    CounterReading,
    Evidence,
    EvidenceSettings,
    Tally,
    counter_evidence,
    describe,
    judge_step,
)
from tests.support.evidence_readings import (
    LOCAL,
    T0,
    counters,
    first_final,
    look,
)


def test_the_low_traffic_broken_writes_step_fails_on_the_whole_step_not_passes() -> None:
    # 5 req/s with a 10% canary: 0.5 req/s on green, 20% of them (the writes) answered 500.
    readings = counters(20, new_rps=0.5, new_fail=0.2, old_rps=4.5)
    last_window = counter_evidence(readings, step_start=T0, window=10).window_new
    assert (last_window.requests, last_window.errors) == (5, 1)  # "5 req, 5xx 20%"

    verdict = first_final(readings, LOCAL)

    assert verdict.state == "failed"
    assert verdict.action == "rollback"
    assert verdict.reason == (
        "1 of 5 requests answered 5xx since the step began: more than 1.0% of the 20 "
        "needed to judge"
    )


def test_a_busy_healthy_step_passes_only_once_its_interval_has_passed() -> None:
    readings = counters(20, new_rps=10, old_rps=90, old_fail=0.001)

    early = look(readings[:20], LOCAL)  # 9.5 s in, 95 requests already
    verdict = first_final(readings, LOCAL)

    assert (early.state, early.reason) == ("waiting", "waiting for evidence: 10 of 20 s elapsed")
    assert verdict.state == "ok"
    assert verdict.elapsed == 20
    assert verdict.reason == (
        "5xx rate 0.0% over 200 requests in 20 s is within 1.0%; "
        "blue (the old colour): 0.1% over 1800 requests"
    )


def test_errors_early_in_the_step_fail_it_although_the_last_window_is_clean() -> None:
    config = EvidenceSettings(interval=60, window=10, max_error_rate=0.05)
    bad = counters(30, new_rps=4, new_fail=0.2)  # 120 requests, 24 failed
    good = counters(30, new_rps=4, start=T0 + 30.5)
    tail = [CounterReading(r.at, Tally(r.new.requests + 120, 24)) for r in good]  # 30 s clean

    evidence = counter_evidence(bad + tail, step_start=T0, window=10)
    verdict = judge_step(evidence, config, step="step 1/2", now=tail[-1].at)

    assert evidence.window_new.errors == 0
    assert verdict.state == "failed"
    assert verdict.reason == "5xx rate 10.0% over 240 requests since the step began exceeds 5.0%"


def test_a_burst_in_the_window_aborts_the_step_before_its_interval() -> None:
    config = EvidenceSettings(interval=60, window=10, max_error_rate=0.05)
    clean = counters(40, new_rps=10)  # 400 requests, no 5xx
    burst = [
        CounterReading(T0 + 40 + t, Tally(400 + 10 * t, 3 * t))
        for t in range(1, 11)  # then 30% of each second's requests fail
    ]

    verdict = first_final(clean + burst, config, old=None)

    assert verdict.state == "failed"
    assert verdict.elapsed < 60
    assert verdict.reason.endswith("requests in the last 10 s exceeds 5.0%")
    assert "since the step began" not in verdict.reason


def test_both_colours_breaching_say_the_platform_is_failing_and_still_roll_back() -> None:
    readings = counters(20, new_rps=10, new_fail=0.3, old_rps=90, old_fail=0.25)

    verdict = look(readings, LOCAL)

    assert (verdict.state, verdict.action) == ("failed", "rollback")
    assert verdict.reason == (
        "5xx rate 30.0% over 200 requests since the step began exceeds 1.0%; "
        "blue (the old colour) fails too: 5xx rate 25.0% over 1800 requests: "
        "the platform is failing, not only the release"
    )
    record = verdict.to_dict()
    assert (record["error_rate"], record["baseline_error_rate"]) == (0.3, 0.25)


def test_a_failing_baseline_alone_does_not_fail_a_healthy_canary() -> None:
    readings = counters(20, new_rps=10, old_rps=90, old_fail=0.5)

    verdict = look(readings, LOCAL)

    assert verdict.state == "ok"
    assert verdict.baseline == Tally(1800, 900)


def test_a_haproxy_restart_is_read_as_a_counter_reset_not_negative_traffic() -> None:
    before = counters(10, new_rps=10, every=1)  # 100 requests
    after = [CounterReading(T0 + 10 + t, Tally(10 * t, 0)) for t in range(1, 11)]

    evidence = counter_evidence(before + after, step_start=T0, window=5)

    assert evidence.new == Tally(200, 0)
    assert evidence.window_new == Tally(50, 0)


def test_alarms_and_unhealthy_targets_fail_the_step_at_once() -> None:
    evidence = counter_evidence(counters(1, new_rps=10), step_start=T0, window=10)

    alarm = judge_step(evidence, LOCAL, step="bake", now=T0 + 1, alarms=("app-green-5xx",))
    sick = judge_step(evidence, LOCAL, step="bake", now=T0 + 1, unhealthy=2)

    assert (alarm.state, alarm.reason) == ("failed", "alarm firing: app-green-5xx")
    assert (sick.state, sick.reason) == ("failed", "2 target(s) failed the health check")


@pytest.mark.parametrize(("requests", "state"), [(19, "inconclusive"), (20, "ok"), (21, "ok")])
def test_min_requests_is_the_least_traffic_that_can_pass(requests: int, state: str) -> None:
    evidence = Evidence(T0, T0 + 60, Tally(requests, 0), None, 10, Tally(), None)

    verdict = judge_step(evidence, LOCAL, step="step 1/2", now=T0 + 60)

    assert verdict.state == state


@pytest.mark.parametrize(("errors", "state"), [(0, "ok"), (1, "failed")])
def test_one_5xx_in_min_requests_breaches_a_one_percent_limit(errors: int, state: str) -> None:
    evidence = Evidence(T0, T0 + 20, Tally(20, errors), None, 10, Tally(20, errors), None)

    assert judge_step(evidence, LOCAL, step="s", now=T0 + 20).state == state


def test_the_verdict_record_has_both_colours_both_views_and_the_reason() -> None:
    verdict = look(counters(20, new_rps=10, old_rps=90), LOCAL)

    assert verdict.to_dict() == {
        "during": "step 1/2",
        "ok": True,
        "state": "ok",
        "action": "proceed",
        "reason": verdict.reason,
        "elapsed": 20.0,
        "covered": 20.0,
        "window": 10,
        "requests": 200,
        "errors": 0,
        "error_rate": 0.0,
        "baseline_requests": 1800,
        "baseline_errors": 0,
        "baseline_error_rate": 0.0,
        "window_requests": 100,
        "window_errors": 0,
        "window_error_rate": 0.0,
        "window_baseline_requests": 900,
        "window_baseline_errors": 0,
        "window_baseline_error_rate": 0.0,
        "p99_ms": None,
    }
    assert describe(verdict) == "200 req, 5xx 0.0% (old colour 0.0%), 20 s of data, ok"


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=80),
    min_requests=st.integers(1, 200),
    interval=st.floats(1, 60),
)
def test_a_step_is_never_ok_with_fewer_than_min_requests_or_before_its_interval(
    steps: list[tuple[int, int]], min_requests: int, interval: float
) -> None:
    config = EvidenceSettings(interval=interval, min_requests=min_requests, max_error_rate=0.5)
    readings = [CounterReading(T0, Tally())]
    for i, (requests, errors) in enumerate(steps, start=1):
        last = readings[-1].new
        readings.append(
            CounterReading(
                T0 + i, Tally(last.requests + requests, last.errors + min(errors, requests))
            )
        )
    for n in range(1, len(readings) + 1):
        verdict = look(readings[:n], config, old=None)
        if verdict.ok:
            assert verdict.new.requests >= min_requests
            assert verdict.elapsed >= interval
            assert verdict.covered >= interval
            assert verdict.new.errors <= 0.5 * verdict.new.requests


@settings(max_examples=100, deadline=None)
@given(gaps=st.lists(st.floats(0.05, 3.0), min_size=40, max_size=40))
def test_a_half_failing_canary_fails_whatever_the_timing_of_the_looks(gaps: list[float]) -> None:
    # The flaky case: 60 req/s with a 10% canary failing half its requests, 20 s steps.
    readings = [CounterReading(T0, Tally(), Tally())]
    t = 0.0
    for gap in gaps:
        t += gap
        new, old = int(6 * t), int(54 * t)
        readings.append(CounterReading(T0 + t, Tally(new, new // 2), Tally(old, 0)))

    verdict = first_final(readings, LOCAL)

    assert verdict.state == "failed"
    first_5xx = next(r.at for r in readings if r.new.errors)
    assert verdict.elapsed == first_5xx - T0  # the first 5xx settles it, at the look that sees it
