"""The pure verdict on sequences of readings: live counters (local) and late minutes (AWS)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluegreen.errors import ConfigError
from bluegreen.evidence import (
    AWS_TIMING,
    LOCAL_TIMING,
    CounterReading,
    Evidence,
    EvidenceSettings,
    MinuteMetrics,
    StepVerdict,
    Tally,
    TargetGroupMinute,
    attribute_elb_5xx,
    check_timing,
    complete_until,
    counter_evidence,
    describe,
    judge_step,
    latest_per_minute,
    minute_evidence,
    timing_problems,
)

T0 = 1_794_999_960.0  # a whole minute (epoch seconds), so CloudWatch minutes line up with it


def counters(
    seconds: float,
    *,
    new_rps: float,
    new_fail: float = 0.0,
    old_rps: float | None = None,
    old_fail: float = 0.0,
    every: float = 0.5,
    start: float = T0,
) -> list[CounterReading]:
    """Cumulative readings every `every` s from `start` for `seconds`, at steady rates."""
    readings = []
    for i in range(round(seconds / every) + 1):
        t = i * every
        new = Tally(int(new_rps * t), int(new_rps * t * new_fail))
        old = None if old_rps is None else Tally(int(old_rps * t), int(old_rps * t * old_fail))
        readings.append(CounterReading(at=start + t, new=new, baseline=old))
    return readings


def look(
    readings: list[CounterReading],
    config: EvidenceSettings,
    *,
    step_start: float = T0,
    old: str | None = "blue",
) -> StepVerdict:
    """The verdict at the last reading, as the Watch would compute it."""
    evidence = counter_evidence(readings, step_start=step_start, window=config.window)
    return judge_step(evidence, config, step="step 1/2", now=readings[-1].at, old=old)


def first_final(
    readings: list[CounterReading], config: EvidenceSettings, old: str | None = "blue"
) -> StepVerdict:
    """Look after every reading, as the Watch does, until a verdict is final (or the last)."""
    verdict = look(readings[:1], config, old=old)
    for n in range(2, len(readings) + 1):
        verdict = look(readings[:n], config, old=old)
        if verdict.final:
            break
    return verdict


LOCAL = EvidenceSettings(interval=20, window=10)  # min 20 requests, 1% 5xx, max_wait 60 s


# -- the local case: cumulative counters --------------------------------------------------------


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


def test_a_quiet_healthy_canary_is_inconclusive_after_max_wait_not_promoted() -> None:
    readings = counters(60, new_rps=4 / 60, old_rps=1.0)

    verdict = first_final(readings, LOCAL)

    assert verdict.state == "inconclusive"
    assert verdict.action == "rollback"
    assert not verdict.ok
    assert verdict.elapsed == 60
    assert verdict.reason == "not enough traffic to judge: 4 requests in 60 s, need 20"


@pytest.mark.parametrize(
    ("policy", "action"), [("rollback", "rollback"), ("promote", "proceed"), ("pause", "pause")]
)
def test_inconclusive_follows_on_inconclusive_and_is_never_recorded_as_ok(
    policy: str, action: str
) -> None:
    config = EvidenceSettings(interval=20, window=10, on_inconclusive=policy)  # type: ignore[arg-type]  # parametrized Literal
    verdict = first_final(counters(60, new_rps=0.1), config)

    assert (verdict.state, verdict.action, verdict.ok) == ("inconclusive", action, False)
    assert verdict.to_dict()["ok"] is False


def test_before_max_wait_a_quiet_step_keeps_waiting_and_says_what_is_missing() -> None:
    verdict = look(counters(30, new_rps=0.2), LOCAL)

    assert (verdict.state, verdict.action) == ("waiting", "wait")
    assert verdict.reason == "waiting for evidence: 6 of 20 requests"


def test_max_wait_defaults_to_three_intervals_and_can_be_set() -> None:
    assert EvidenceSettings(interval=20).wait_limit == 60
    assert EvidenceSettings(interval=20, max_wait=25).wait_limit == 25
    assert EvidenceSettings(interval=20, max_wait=5).wait_limit == 20  # never below the interval
    quick = EvidenceSettings(interval=20, window=10, max_wait=30)
    assert first_final(counters(60, new_rps=0.2), quick).elapsed == 30


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


# -- the AWS case: per-minute datapoints, published late ---------------------------------------


def minute(
    start: float,
    new: int,
    new_5xx: int = 0,
    *,
    old: int | None = None,
    old_5xx: int = 0,
    elb_5xx: int = 0,
    share: float = 0.1,
) -> MinuteMetrics:
    """One minute of both target groups' metrics."""
    baseline = None if old is None else TargetGroupMinute(old, old_5xx)
    return MinuteMetrics(start, TargetGroupMinute(new, new_5xx), baseline, elb_5xx, share)


AWS = EvidenceSettings(interval=240, window=120)  # the AWS defaults' shortest step


def aws_look(
    minutes: list[MinuteMetrics], now: float, config: EvidenceSettings = AWS
) -> StepVerdict:
    evidence = minute_evidence(
        minutes, step_start=T0, now=now, window=config.window, publish_delay=180
    )
    return judge_step(evidence, config, step="step 1/2", now=now, old="blue")


def test_a_minute_counts_only_once_it_is_older_than_the_publishing_delay() -> None:
    assert complete_until(T0 + 60 + 179, publish_delay=180) == T0
    assert complete_until(T0 + 60 + 180, publish_delay=180) == T0 + 60


def test_incomplete_minutes_are_not_counted_even_when_a_partial_datapoint_is_there() -> None:
    minutes = [minute(T0 + 60 * i, 30, old=270) for i in range(5)]

    evidence = minute_evidence(minutes, step_start=T0, now=T0 + 300, window=120, publish_delay=180)

    assert evidence.until == T0 + 120  # minutes 0 and 1 only: 2, 3, 4 may not be published yet
    assert evidence.new == Tally(60, 0)
    assert evidence.covered == 120


def test_an_aws_step_waits_for_its_whole_interval_to_be_published_then_passes() -> None:
    minutes = [minute(T0 + 60 * i, 30, old=270) for i in range(12)]

    at_interval = aws_look(minutes, now=T0 + 240)
    published = aws_look(minutes, now=T0 + 240 + 180)

    assert at_interval.state == "waiting"
    assert at_interval.reason == "waiting for evidence: data complete for 60 of 240 s"
    assert published.state == "ok"
    assert published.reason == (
        "5xx rate 0.0% over 120 requests in 240 s is within 1.0%; "
        "blue (the old colour): 0.0% over 1080 requests"
    )


def test_a_minute_arriving_90_s_late_is_credited_to_its_own_minute() -> None:
    # Minute 2 is where the canary fails; CloudWatch publishes each minute 90 s after it ends.
    truth = [minute(T0 + 60 * i, 30, 15 if i == 2 else 0, old=270) for i in range(4)]
    seen: list[MinuteMetrics] = []
    verdicts = []
    for now in range(int(T0), int(T0) + 600, 15):  # a look every 15 s
        seen += [m for m in truth if m.start + 60 + 90 <= now and m not in seen]
        evidence = minute_evidence(seen, step_start=T0, now=now, window=120, publish_delay=180)
        verdicts.append((now, evidence))

    first_with_errors = next((now, e) for now, e in verdicts if e.new.errors)
    now, evidence = first_with_errors
    assert now == T0 + 180 + 180  # minute 2 ends at +180, counted once 180 s older
    assert evidence.window_new == Tally(60, 15)  # minutes 1 and 2, by their own timestamps
    assert evidence.new == Tally(90, 15)


def test_a_revised_minute_replaces_the_earlier_view_of_that_minute() -> None:
    partial = minute(T0, 3, old=27)
    full = minute(T0, 30, 6, old=270)

    assert latest_per_minute([partial, minute(T0 + 60, 30), full]) == [full, minute(T0 + 60, 30)]
    evidence = minute_evidence(
        [partial, full], step_start=T0, now=T0 + 240, window=120, publish_delay=180
    )
    assert evidence.new == Tally(30, 6)


def test_a_canary_with_no_traffic_at_all_is_not_promoted_on_aws() -> None:
    minutes = [
        MinuteMetrics(T0 + 60 * i, TargetGroupMinute(), TargetGroupMinute(300)) for i in range(14)
    ]

    verdict = aws_look(minutes, now=T0 + 720)

    assert verdict.state == "inconclusive"
    assert verdict.reason == "not enough traffic to judge: 0 requests in 540 s, need 20"


def test_a_step_whose_minutes_never_publish_is_inconclusive_saying_the_data_is_missing() -> None:
    verdict = judge_step(
        Evidence(T0, T0 + 120, Tally(400, 0), None, 120, Tally(200, 0), None),
        AWS,
        step="step 1/2",
        now=T0 + 720,
    )

    assert verdict.state == "inconclusive"
    assert verdict.reason == "data incomplete: only 120 s of the 240 s step published after 720 s"


def test_the_albs_own_5xx_go_to_connection_errors_first_then_by_weight_rounded_up() -> None:
    metrics = MinuteMetrics(
        T0,
        new=TargetGroupMinute(requests=100, target_5xx=2, connection_errors=3),
        baseline=TargetGroupMinute(requests=900, target_5xx=1, connection_errors=1),
        elb_5xx=3 + 1 + 11,  # 11 the ALB answered itself (timeouts, no healthy target)
        new_share=0.1,
    )

    new, old = attribute_elb_5xx(metrics)

    assert new == Tally(100, 2 + 3 + 2)  # ceil(11 x 0.1) = 2
    assert old == Tally(900, 1 + 1 + 9)


def test_attributed_errors_never_exceed_a_colours_requests() -> None:
    metrics = MinuteMetrics(T0, TargetGroupMinute(requests=4), None, elb_5xx=50, new_share=0.5)

    assert attribute_elb_5xx(metrics) == (Tally(4, 4), None)


def test_an_aws_canary_failing_half_its_requests_is_rolled_back_on_metrics_alone() -> None:
    minutes = [minute(T0 + 60 * i, 30, 15, old=270) for i in range(6)]

    verdict = aws_look(minutes, now=T0 + 60 + 180)  # the first minute just published

    assert verdict.state == "failed"
    assert verdict.reason == "5xx rate 50.0% over 30 requests since the step began exceeds 1.0%"


@settings(max_examples=60, deadline=None)
@given(offset=st.floats(min_value=0, max_value=59.9))
def test_the_shortest_aws_step_is_judged_before_max_wait_wherever_it_starts(offset: float) -> None:
    start = T0 + offset
    config = EvidenceSettings(interval=AWS_TIMING.shortest_interval, window=AWS_TIMING.window)
    minutes = [minute(T0 + 60 * i, 30, old=270) for i in range(20)]
    verdict = None
    now = start
    while verdict is None or not verdict.final:
        now += AWS_TIMING.poll
        evidence = minute_evidence(
            minutes,
            step_start=start,
            now=now,
            window=config.window,
            publish_delay=AWS_TIMING.publish_delay,
        )
        verdict = judge_step(evidence, config, step="s", now=now)

    assert verdict.state == "ok"
    assert verdict.elapsed <= config.wait_limit


# -- properties ---------------------------------------------------------------------------------


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
@given(
    counts=st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=10),
    now=st.integers(0, 900),
    seed=st.integers(0, 1000),
)
def test_minute_evidence_does_not_depend_on_the_order_minutes_arrived_in(
    counts: list[tuple[int, int]], now: int, seed: int
) -> None:
    minutes = [minute(T0 + 60 * i, r, min(e, r), old=r) for i, (r, e) in enumerate(counts)]
    shuffled = minutes[:]
    random.Random(seed).shuffle(shuffled)

    def evidence(ms: list[MinuteMetrics]) -> Evidence:
        return minute_evidence(ms, step_start=T0, now=T0 + now, window=120, publish_delay=180)

    assert evidence(shuffled) == evidence(minutes)


# -- settings that can judge --------------------------------------------------------------------


def test_each_platforms_defaults_can_judge_its_shortest_step() -> None:
    for platform, timing in (("local", LOCAL_TIMING), ("aws", AWS_TIMING)):
        assert (
            timing_problems(
                platform,  # type: ignore[arg-type]  # loop over the two Literal values
                interval=max(timing.shortest_interval, 1),
                window=timing.window,
                poll=timing.poll,
                publish_delay=timing.publish_delay,
            )
            == []
        )
    assert AWS_TIMING.shortest_interval == 240
    assert LOCAL_TIMING.shortest_interval == 0


def test_todays_aws_window_and_a_short_interval_are_refused_naming_the_keys() -> None:
    problems = timing_problems("aws", interval=30, window=10, poll=15, publish_delay=180)

    assert problems == [
        "analysis.window = 10 s is shorter than two looks (analysis.poll = 15 s): every look "
        "would compare a reading with itself; set analysis.window to at least 30 s or lower "
        "analysis.poll",
        "analysis.window = 10 s is shorter than CloudWatch's 60 s period: it would never hold a "
        "whole minute; set analysis.window to at least 60 s (default 120)",
        "deploy.interval = 30 s is shorter than the publishing delay plus one period (180 + 60 "
        "s): the step's metrics could not be complete in time; set deploy.interval to at least "
        "240 s (or lower analysis.publish_delay if your metrics arrive sooner)",
    ]


def test_a_max_wait_below_the_interval_is_refused() -> None:
    assert timing_problems(
        "local", interval=30, window=10, poll=0.5, publish_delay=0, max_wait=20
    ) == [
        "analysis.max_wait = 20 s is shorter than deploy.interval = 30 s: no step could ever "
        "pass; set analysis.max_wait to at least 30 s or leave it unset (3 x the interval)"
    ]


def test_check_timing_raises_a_config_error_with_exit_code_2() -> None:
    with pytest.raises(ConfigError) as caught:
        check_timing("aws", interval=60, window=120, poll=15, publish_delay=180)

    assert caught.value.exit_code == 2
    assert "deploy.interval = 60 s" in caught.value.message
    assert "docs/verdict.md" in str(caught.value)  # the hint
    check_timing("aws", interval=0, window=120, poll=15, publish_delay=180)  # no watch: fine


def test_the_aws_worked_example_of_the_docs() -> None:
    # docs/verdict.md: the step begins 30 s into a minute, 10 req/s on green, 3 of 3,000 fail.
    start = T0 + 30
    minutes = [minute(T0 + 60 * i, 600, 1 if i in {1, 2, 3} else 0, old=5400) for i in range(9)]

    def at(seconds: float) -> StepVerdict:
        now = T0 + seconds
        evidence = minute_evidence(
            minutes, step_start=start, now=now, window=120, publish_delay=180
        )
        return judge_step(evidence, AWS, step="step 1/2", now=now, old="blue")

    assert at(3 * 60 + 45).reason == "waiting for evidence: 195 of 240 s elapsed, 0 of 20 requests"
    assert at(4 * 60).reason == "waiting for evidence: 210 of 240 s elapsed"
    assert at(4 * 60 + 30).reason == "waiting for evidence: data complete for 30 of 240 s"
    assert at(7 * 60 + 45).state == "waiting"
    passed = at(8 * 60)
    assert (passed.state, passed.covered, passed.new) == ("ok", 270, Tally(3000, 3))


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
