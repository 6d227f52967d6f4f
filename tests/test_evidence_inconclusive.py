"""Quiet steps: waiting while evidence is missing, then inconclusive after `max_wait` (acted on
per `on_inconclusive`, never recorded as ok), locally and on AWS."""

from __future__ import annotations

import pytest

from bluegreen.evidence import (
    Evidence,
    EvidenceSettings,
    MinuteMetrics,
    Tally,
    TargetGroupMinute,
    judge_step,
)
from tests.support.evidence_readings import (
    AWS,
    LOCAL,
    T0,
    aws_look,
    counters,
    first_final,
    look,
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
