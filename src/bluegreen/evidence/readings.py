"""What the platforms report, reduced to the evidence one step is judged on.

Two shapes of reading, one shape of evidence:

- Locally, HAProxy's `show stat` gives live cumulative counters per colour (`req_tot`,
  `hrsp_5xx`): a `CounterReading` per look. The data is complete up to the moment it was read.
- On AWS, CloudWatch gives the ALB's metrics per 60 s period, published late: a `MinuteMetrics`
  per minute. A minute is complete only once it is older than the publishing delay; until then
  a missing datapoint is indistinguishable from a quiet minute, so it is not counted at all.

Both reduce to `Evidence`: requests and 5xx of the new colour and of the old one (the
baseline), over the whole step so far (cumulative) and over the last `window` seconds, plus how
far the complete data reaches. Every function is pure: the caller passes the times.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

PERIOD = 60.0
"""CloudWatch period of the ALB's metrics: it publishes per 60 s while requests flow."""


@dataclass(frozen=True)
class Tally:
    """Requests and 5xx answers of one colour: cumulative counters, or a difference of them."""

    requests: int = 0
    errors: int = 0

    @property
    def rate(self) -> float | None:
        """Share of requests answered 5xx; None when there were no requests."""
        return self.errors / self.requests if self.requests else None

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.requests + other.requests, self.errors + other.errors)


@dataclass(frozen=True)
class CounterReading:
    """Cumulative counters of both colours read at one moment (the local HAProxy case).

    `baseline` is None when there is no old colour (a first deployment). HAProxy's counters
    belong to server slots and restart from 0 when HAProxy restarts: a counter that goes down
    is read as a restart, never as negative traffic.
    """

    at: float
    new: Tally
    baseline: Tally | None = None


@dataclass(frozen=True)
class TargetGroupMinute:
    """One target group's ALB metrics for one minute (absent datapoints are 0: the ALB reports
    a metric only when it has a nonzero value).

    - `requests`: RequestCount, requests for which the ALB chose a target of this group.
    - `target_5xx`: HTTPCode_Target_5XX_Count, 5xx answered by the targets themselves.
    - `connection_errors`: TargetConnectionErrorCount, connections to a target that failed; the
      ALB answers those requests with a 5xx of its own (counted in HTTPCode_ELB_5XX_Count too).
    """

    requests: int = 0
    target_5xx: int = 0
    connection_errors: int = 0


@dataclass(frozen=True)
class MinuteMetrics:
    """The ALB's metrics for the minute starting at `start` (epoch seconds, as CloudWatch stamps
    a period), for both colours' target groups, and the load balancer's own 5xx.

    `elb_5xx` is HTTPCode_ELB_5XX_Count, which has only the LoadBalancer dimension: it cannot
    be tied to a target group. See `attribute_elb_5xx` for how it is shared out.
    `new_share` is the new colour's share of the listener's weight during that minute (0..1).
    """

    start: float
    new: TargetGroupMinute
    baseline: TargetGroupMinute | None = None
    elb_5xx: int = 0
    new_share: float = 0.0


@dataclass(frozen=True)
class Evidence:
    """Requests and 5xx of both colours since the step began and over the sliding window.

    `until` is how far the complete data reaches (the last counter reading; the end of the last
    published minute), so `until - since` is how much of the step has been seen.
    """

    since: float
    until: float
    new: Tally
    baseline: Tally | None
    window: float
    window_new: Tally
    window_baseline: Tally | None

    @property
    def covered(self) -> float:
        """Seconds of the step whose data is complete (0 before the first complete datum)."""
        return max(self.until - self.since, 0.0)


# -- the local case: cumulative counters -------------------------------------------------------


def _counted(values: Sequence[Tally]) -> Tally:
    """Traffic between the first and last of successive cumulative readings, across restarts."""
    total = Tally()
    for before, after in itertools.pairwise(values):
        if after.requests < before.requests or after.errors < before.errors:
            total += after  # the counters restarted from 0 in between: all of `after` is new
        else:
            total += Tally(after.requests - before.requests, after.errors - before.errors)
    return total


def _baseline_tally(readings: Sequence[CounterReading]) -> Tally | None:
    baselines = [r.baseline for r in readings]
    if any(b is None for b in baselines):
        return None
    return _counted([b for b in baselines if b is not None])


def counter_evidence(
    readings: Sequence[CounterReading], *, step_start: float, window: float
) -> Evidence:
    """Evidence from live counters: the step from the last reading at or before `step_start`
    (else the first), the window from the last reading at or before `latest - window`.

    `readings` are in the order they were taken; at least one is needed.
    """
    if not readings:
        raise ValueError("counter_evidence needs at least one reading")
    ordered = sorted(readings, key=lambda r: r.at)
    latest = ordered[-1]

    def from_origin(origin_at: float) -> list[CounterReading]:
        before = [i for i, r in enumerate(ordered) if r.at <= origin_at]
        return ordered[before[-1] if before else 0 :]

    step = from_origin(step_start)
    recent = from_origin(latest.at - window)
    if recent[0].at < step[0].at:
        recent = step  # the window never reaches back before the step
    return Evidence(
        since=step_start,
        until=latest.at,
        new=_counted([r.new for r in step]),
        baseline=_baseline_tally(step),
        window=window,
        window_new=_counted([r.new for r in recent]),
        window_baseline=_baseline_tally(recent),
    )


# -- the AWS case: per-minute datapoints published late ----------------------------------------


def attribute_elb_5xx(minute: MinuteMetrics) -> tuple[Tally, Tally | None]:
    """Each colour's requests and 5xx for one minute, the ALB's own 5xx shared out.

    HTTPCode_ELB_5XX_Count (502/503/504 the ALB answers itself: targets refusing connections,
    timing out, or none healthy) has no TargetGroup dimension, so it is attributed in two parts:
    1. TargetConnectionErrorCount is per target group: those errors go to their own colour
       exactly (each is also one of the ALB's 5xx, so they are taken out of the shared rest).
    2. The rest (timeouts, no healthy target, ...) is shared by the listener weight of the
       minute, `new_share`, rounded UP for the new colour: the canary is never judged kinder
       than the evidence allows. Weight, not the minute's RequestCount, because a request the
       ALB could not route (503, no healthy target) is in no RequestCount at all.
    A colour's errors are capped at its requests, so its rate stays a share (0..100%).
    """
    new_part = minute.new
    old_part = minute.baseline or TargetGroupMinute()
    rest = max(minute.elb_5xx - new_part.connection_errors - old_part.connection_errors, 0)
    share = min(max(minute.new_share, 0.0), 1.0)
    new_rest = min(math.ceil(rest * share), rest)
    old_rest = rest - new_rest

    def tally(part: TargetGroupMinute, shared: int) -> Tally:
        errors = part.target_5xx + part.connection_errors + shared
        return Tally(part.requests, min(errors, part.requests))

    new = tally(new_part, new_rest)
    baseline = None if minute.baseline is None else tally(old_part, old_rest)
    return new, baseline


def complete_until(now: float, publish_delay: float, period: float = PERIOD) -> float:
    """End of the last complete minute at `now`: a minute counts once its end is older than
    `publish_delay` (before that, a missing datapoint may just not be published yet)."""
    return math.floor((now - publish_delay) / period) * period


def latest_per_minute(minutes: Sequence[MinuteMetrics]) -> list[MinuteMetrics]:
    """One entry per minute, the last one seen winning, oldest first.

    A caller that keeps every look's answer passes them all: a minute published (or revised)
    late replaces the earlier view of that same minute, so its requests are credited to the
    minute they belong to, never to the look they happened to arrive in.
    """
    by_start: dict[float, MinuteMetrics] = {}
    for minute in minutes:
        by_start[minute.start] = minute
    return [by_start[start] for start in sorted(by_start)]


def minute_evidence(
    minutes: Sequence[MinuteMetrics],
    *,
    step_start: float,
    now: float,
    window: float,
    publish_delay: float,
    period: float = PERIOD,
    with_baseline: bool | None = None,
) -> Evidence:
    """Evidence from per-minute metrics: only complete minutes that overlap the step.

    The first minute may begin up to 59 s before the step: that traffic is the same release's
    (at the previous step's weight), so it counts. The window is the complete minutes starting
    within `window` seconds before the end of the complete data (whole minutes only).
    `with_baseline` says whether an old colour exists (None: whether any minute names one;
    pass it, since with no traffic at all there is no minute to tell).
    """
    until = complete_until(now, publish_delay, period)
    counted = [
        m
        for m in latest_per_minute(minutes)
        if m.start + period > step_start and m.start + period <= until
    ]
    attributed = [(m, *attribute_elb_5xx(m)) for m in counted]
    recent = [a for a in attributed if a[0].start >= until - window]
    # A minute without the old colour's figures had no old traffic: it counts as zero.
    has_baseline = (
        any(m.baseline is not None for m in minutes) if with_baseline is None else with_baseline
    )

    def total(rows: Sequence[tuple[MinuteMetrics, Tally, Tally | None]], new: bool) -> Tally:
        result = Tally()
        for _, new_tally, old_tally in rows:
            result += new_tally if new else (old_tally or Tally())
        return result

    return Evidence(
        since=step_start,
        until=max(until, step_start),
        new=total(attributed, new=True),
        baseline=total(attributed, new=False) if has_baseline else None,
        window=window,
        window_new=total(recent, new=True),
        window_baseline=total(recent, new=False) if has_baseline else None,
    )
