"""Evidence for canary analysis: one pure verdict for both platforms (see docs/verdict.md).

`readings` turns what a platform reports (live counters locally, late per-minute CloudWatch
datapoints on AWS) into `Evidence`; `verdict.judge_step` decides a step on it; `settings` holds
what a step is judged against, each platform's timing defaults and their validation.
No I/O and no clock here: the caller passes every time.

A watch uses it like this, once per look (epoch seconds throughout):

    evidence = counter_evidence(readings, step_start=began, window=settings.window)  # local
    evidence = minute_evidence(minutes, step_start=began, now=now, window=settings.window,
                               publish_delay=delay, with_baseline=old is not None)  # AWS
    verdict = judge_step(evidence, settings, step="step 1/2", now=now, old=old,
                         alarms=alarms, unhealthy=unhealthy)
    journal.record("verdict", **verdict.to_dict())   # on every final verdict
    if verdict.final: act on verdict.action ("proceed" | "rollback" | "pause")
"""

from bluegreen.evidence.readings import (
    PERIOD,
    CounterReading,
    Evidence,
    MinuteMetrics,
    Tally,
    TargetGroupMinute,
    attribute_elb_5xx,
    complete_until,
    counter_evidence,
    latest_per_minute,
    minute_evidence,
)
from bluegreen.evidence.settings import (
    AWS_TIMING,
    LOCAL_TIMING,
    ON_INCONCLUSIVE,
    EvidenceSettings,
    OnInconclusive,
    PlatformTiming,
    check_timing,
    timing_for,
    timing_problems,
)
from bluegreen.evidence.step import MinuteBatch, StepLog, StepReading
from bluegreen.evidence.verdict import Action, State, StepVerdict, describe, judge_step, percent

__all__ = [
    "AWS_TIMING",
    "LOCAL_TIMING",
    "ON_INCONCLUSIVE",
    "PERIOD",
    "Action",
    "CounterReading",
    "Evidence",
    "EvidenceSettings",
    "MinuteBatch",
    "MinuteMetrics",
    "OnInconclusive",
    "PlatformTiming",
    "State",
    "StepLog",
    "StepReading",
    "StepVerdict",
    "Tally",
    "TargetGroupMinute",
    "attribute_elb_5xx",
    "check_timing",
    "complete_until",
    "counter_evidence",
    "describe",
    "judge_step",
    "latest_per_minute",
    "minute_evidence",
    "percent",
    "timing_for",
    "timing_problems",
]
