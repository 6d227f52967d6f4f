"""Readings for the pure verdict's tests: live counters, late minutes, and looks as the Watch
takes them (shared by tests/test_evidence_*.py)."""

from __future__ import annotations

from bluegreen.evidence import (
    CounterReading,
    EvidenceSettings,
    MinuteMetrics,
    StepVerdict,
    Tally,
    TargetGroupMinute,
    counter_evidence,
    judge_step,
    minute_evidence,
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
    """The verdict at `now` on the minutes published by then, as the Watch computes it on AWS."""
    evidence = minute_evidence(
        minutes, step_start=T0, now=now, window=config.window, publish_delay=180
    )
    return judge_step(evidence, config, step="step 1/2", now=now, old="blue")
