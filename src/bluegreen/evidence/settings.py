"""The settings a verdict needs, each platform's timing defaults, and their validation.

Why AWS needs different timing: Elastic Load Balancing sends an Application Load Balancer's
metrics to CloudWatch in 60-second intervals, and only while requests flow through it; with no
requests, no datapoint is reported at all ("CloudWatch metrics for your Application Load
Balancer", https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
So on AWS the finest evidence is one minute, a missing minute is ambiguous (quiet, or not yet
published), and a look every few seconds sees nothing new. AWS documents the period but not
how late a minute appears; in practice (observed, not documented) datapoints appear one to
three minutes after the minute ends, so the default publishing delay is the pessimistic end of
that range (180 s), and `analysis.publish_delay` tunes it. A minute
is counted only once that much time has passed since it ended.

Locally HAProxy's counters are live: no delay, no period, a look every half second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from bluegreen.errors import ConfigError

OnInconclusive = Literal["rollback", "promote", "pause"]
ON_INCONCLUSIVE: tuple[OnInconclusive, ...] = get_args(OnInconclusive)
Platform = Literal["local", "aws"]

MAX_WAIT_FACTOR = 3.0
"""`analysis.max_wait` defaults to this many times the step's interval."""


@dataclass(frozen=True)
class PlatformTiming:
    """How a platform's traffic data arrives, and the look/window defaults that can judge it.

    `period` is the data's granularity (0: live counters); `publish_delay` how long after a
    period ends its data may still be missing.
    """

    poll: float
    window: float
    publish_delay: float
    period: float

    @property
    def shortest_interval(self) -> float:
        """The shortest step that can be judged: its data must be able to complete in time.

        A step's data is complete at most `period + publish_delay` after its interval ends (the
        interval ends mid-minute, then that minute must be published). With the interval at
        least that long, max_wait (3 x interval) leaves the data time to complete and the
        step at least as long again to gather `min_requests`.
        """
        return self.publish_delay + self.period


LOCAL_TIMING = PlatformTiming(poll=0.5, window=10.0, publish_delay=0.0, period=0.0)
AWS_TIMING = PlatformTiming(poll=15.0, window=120.0, publish_delay=180.0, period=60.0)


def timing_for(platform: Platform) -> PlatformTiming:
    """The defaults of `platform`."""
    return AWS_TIMING if platform == "aws" else LOCAL_TIMING


@dataclass(frozen=True)
class EvidenceSettings:
    """What one step (or the bake) is judged against.

    `interval` is how long the step holds at least; `max_wait` how long it may wait for enough
    evidence before it is inconclusive (None: 3 x interval); `on_inconclusive` what then.
    """

    interval: float
    min_requests: int = 20
    max_error_rate: float = 0.01
    window: float = LOCAL_TIMING.window
    max_wait: float | None = None
    on_inconclusive: OnInconclusive = "rollback"

    def __post_init__(self) -> None:
        # Programming errors only: user input is checked by `check_timing` with key paths.
        if self.interval < 0 or self.window <= 0 or self.min_requests < 1:
            raise ValueError(f"invalid evidence settings: {self!r}")
        if self.on_inconclusive not in ON_INCONCLUSIVE:
            raise ValueError(f"on_inconclusive must be one of {ON_INCONCLUSIVE}")

    @property
    def wait_limit(self) -> float:
        """How long the step may wait for evidence (at least its interval)."""
        limit = MAX_WAIT_FACTOR * self.interval if self.max_wait is None else self.max_wait
        return max(limit, self.interval)


def timing_problems(
    platform: Platform,
    *,
    interval: float,
    window: float,
    poll: float,
    publish_delay: float,
    max_wait: float | None = None,
    interval_key: str = "deploy.interval",
) -> list[str]:
    """Each way these settings cannot judge a step on `platform`, as a message naming the key
    and what to do; empty when they can. Intervals of 0 (no watch) are not checked.
    """
    timing = timing_for(platform)
    problems: list[str] = []
    if window < 2 * poll:
        problems.append(
            f"analysis.window = {window:g} s is shorter than two looks (analysis.poll = "
            f"{poll:g} s): every look would compare a reading with itself; set analysis.window "
            f"to at least {2 * poll:g} s or lower analysis.poll"
        )
    if platform == "aws" and window < timing.period:
        problems.append(
            f"analysis.window = {window:g} s is shorter than CloudWatch's {timing.period:g} s "
            f"period: it would never hold a whole minute; set analysis.window to at least "
            f"{timing.period:g} s (default {AWS_TIMING.window:g})"
        )
    shortest = publish_delay + timing.period
    if platform == "aws" and 0 < interval < shortest:
        problems.append(
            f"{interval_key} = {interval:g} s is shorter than the publishing delay plus one "
            f"period ({publish_delay:g} + {timing.period:g} s): the step's metrics could not be "
            f"complete in time; set {interval_key} to at least {shortest:g} s "
            f"(or lower analysis.publish_delay if your metrics arrive sooner)"
        )
    if max_wait is not None and interval > 0 and max_wait < interval:
        problems.append(
            f"analysis.max_wait = {max_wait:g} s is shorter than {interval_key} = {interval:g} "
            f"s: no step could ever pass; set analysis.max_wait to at least {interval:g} s or "
            f"leave it unset (3 x the interval)"
        )
    return problems


def check_timing(
    platform: Platform,
    *,
    interval: float,
    window: float,
    poll: float,
    publish_delay: float,
    max_wait: float | None = None,
    interval_key: str = "deploy.interval",
) -> None:
    """Raise ConfigError (exit 2, nothing changed) listing every problem `timing_problems` finds."""
    problems = timing_problems(
        platform,
        interval=interval,
        window=window,
        poll=poll,
        publish_delay=publish_delay,
        max_wait=max_wait,
        interval_key=interval_key,
    )
    if problems:
        raise ConfigError(
            "analysis settings cannot judge a step: " + "; ".join(problems),
            hint="see docs/verdict.md for the shortest step each platform can judge",
        )
