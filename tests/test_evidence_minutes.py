"""The AWS case: per-minute datapoints published late, counted by their own minute once
complete; the ALB's own 5xx attributed to the colours; the docs' worked example."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bluegreen.evidence import (
    AWS_TIMING,
    Evidence,
    EvidenceSettings,
    MinuteMetrics,
    StepVerdict,
    Tally,
    TargetGroupMinute,
    attribute_elb_5xx,
    complete_until,
    judge_step,
    latest_per_minute,
    minute_evidence,
)
from tests.support.evidence_readings import (
    AWS,
    T0,
    aws_look,
    minute,
)


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
