"""What a watch reads during one step, kept and reduced to evidence at each look.

Locally each look is a `CounterReading` (live cumulative counters of both colours); on AWS a
`MinuteBatch` (every minute of the step CloudWatch has so far, each with its own timestamp).
`StepLog` keeps them all, so a minute published late replaces the earlier view of that minute
instead of being credited to the look it arrived in. Pure: the caller passes the times.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bluegreen.evidence.readings import (
    CounterReading,
    Evidence,
    MinuteMetrics,
    counter_evidence,
    minute_evidence,
)


@dataclass(frozen=True)
class MinuteBatch:
    """One look on AWS: the per-minute metrics of the step so far, read at `at`."""

    at: float
    minutes: tuple[MinuteMetrics, ...]


StepReading = CounterReading | MinuteBatch
"""What a provider returns for one look at a step (`Provider.step_traffic`)."""


@dataclass
class StepLog:
    """The readings of one step (begun at `since`) and how to turn them into evidence.

    `publish_delay` is how long after a minute ends its data may still be missing (AWS);
    `with_baseline` whether an old colour shares the traffic.
    """

    since: float
    window: float
    publish_delay: float = 0.0
    with_baseline: bool = True
    counters: list[CounterReading] = field(default_factory=list)
    minutes: list[MinuteMetrics] = field(default_factory=list)

    def add(self, reading: StepReading) -> None:
        """Keep one look's reading."""
        if isinstance(reading, CounterReading):
            self.counters.append(reading)
        else:
            self.minutes.extend(reading.minutes)

    def evidence(self, now: float) -> Evidence:
        """The evidence at `now`: live counters when the platform gives them, else minutes."""
        if self.counters:
            return counter_evidence(self.counters, step_start=self.since, window=self.window)
        return minute_evidence(
            self.minutes,
            step_start=self.since,
            now=now,
            window=self.window,
            publish_delay=self.publish_delay,
            with_baseline=self.with_baseline,
        )
