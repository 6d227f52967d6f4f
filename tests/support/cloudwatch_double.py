"""CloudWatch as the ALB really feeds it: per-minute sums, published late, nothing when quiet.

moto's CloudWatch stores whatever is put and answers GetMetricData at once, so a test that puts
traffic "now" sees a kinder CloudWatch than AWS. `AlbMetricsDouble` sits in front of it:

- Traffic is recorded per colour into 60 s buckets stamped with the minute's start, as the ALB
  aggregates it ("CloudWatch metrics for your Application Load Balancer": the ALB sends its
  metrics in 60-second intervals, and only while requests flow).
- `publish()` puts a minute into moto only once it ended at least `publish_delay` seconds ago
  by the test's clock (default 90 s), all of that minute's metrics together. Until then,
  GetMetricData simply has no datapoint for it, as on AWS.
- A metric whose minute sum is 0 is never put (the ALB reports nothing for it).
- `RequestCount`, `HTTPCode_Target_5XX_Count` and `TargetConnectionErrorCount` carry the
  `TargetGroup` and `LoadBalancer` dimensions; `HTTPCode_ELB_5XX_Count` only `LoadBalancer`.

Not modelled: percentiles (moto cannot compute them over real data), partial minutes revised
later, per-AZ dimensions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

NAMESPACE = "AWS/ApplicationELB"
PERIOD = 60


def dimension_value(arn: str, marker: str) -> str:
    """The CloudWatch dimension value of an ELB ARN: what follows `:` before `marker`.

    `...:targetgroup/app-green/0123` -> `targetgroup/app-green/0123`;
    `...:loadbalancer/app/app/4567` with marker `loadbalancer/` -> `app/app/4567`.
    """
    tail = arn.split(":", 5)[-1]
    if not tail.startswith(marker):
        raise ValueError(f"{arn!r} is not a {marker.rstrip('/')} ARN")
    return tail if marker == "targetgroup/" else tail[len(marker) :]


@dataclass
class MinuteCounts:
    """What one target group served during one minute."""

    requests: int = 0
    target_5xx: int = 0
    connection_errors: int = 0


@dataclass
class AlbMetricsDouble:
    """The ALB's metric publisher in front of moto's CloudWatch (see the module docstring).

    `target_groups` maps a colour to its target group ARN; `clock` is the test's clock.
    """

    cloudwatch: Any  # a boto3 CloudWatch client (moto in-process or moto_server)
    load_balancer_arn: str
    target_groups: Mapping[str, str]
    clock: Callable[[], float]
    publish_delay: float = 90.0
    _minutes: dict[tuple[float, str], MinuteCounts] = field(default_factory=dict)
    _elb_5xx: dict[float, int] = field(default_factory=dict)
    _published: set[float] = field(default_factory=set)

    # -- traffic --------------------------------------------------------------------------

    def serve(
        self,
        color: str,
        at: float,
        requests: int,
        *,
        target_5xx: int = 0,
        connection_errors: int = 0,
    ) -> None:
        """Record `requests` served by `color` at time `at` (some answered 5xx)."""
        if color not in self.target_groups:
            raise ValueError(
                f"unknown colour {color!r}: expected one of {sorted(self.target_groups)}"
            )
        start = self._minute_of(at)
        if start in self._published:
            raise ValueError(f"the minute at {start:.0f} is already published: serve in order")
        counts = self._minutes.setdefault((start, color), MinuteCounts())
        counts.requests += requests
        counts.target_5xx += target_5xx
        counts.connection_errors += connection_errors

    def serve_between(
        self, color: str, start: float, end: float, rps: float, *, error_share: float = 0.0
    ) -> None:
        """Steady traffic from `start` to `end`, split into the minutes it falls in."""
        at = start
        while at < end:
            until = min(self._minute_of(at) + PERIOD, end)
            requests = round(rps * (until - at))
            self.serve(color, at, requests, target_5xx=round(requests * error_share))
            at = until

    def elb_error(self, at: float, count: int) -> None:
        """`count` 5xx the load balancer answered itself at `at` (no target group dimension)."""
        start = self._minute_of(at)
        self._elb_5xx[start] = self._elb_5xx.get(start, 0) + count

    # -- publishing -----------------------------------------------------------------------

    def publish(self) -> list[float]:
        """Put every minute old enough into CloudWatch; return the minutes put (their starts)."""
        now = self.clock()
        pending = {start for start, _ in self._minutes} | set(self._elb_5xx)
        due = sorted(s for s in pending - self._published if s + PERIOD + self.publish_delay <= now)
        for start in due:
            data = [*self._target_group_data(start), *self._elb_data(start)]
            for chunk in range(0, len(data), 20):  # PutMetricData takes at most 20 datums
                self.cloudwatch.put_metric_data(
                    Namespace=NAMESPACE, MetricData=data[chunk : chunk + 20]
                )
            self._published.add(start)
        return due

    def published(self) -> list[float]:
        """Starts of the minutes put so far, oldest first."""
        return sorted(self._published)

    def _target_group_data(self, start: float) -> list[dict[str, Any]]:
        lb = dimension_value(self.load_balancer_arn, "loadbalancer/")
        data = []
        for color, arn in self.target_groups.items():
            counts = self._minutes.get((start, color))
            if counts is None:
                continue
            dimensions = [
                {"Name": "TargetGroup", "Value": dimension_value(arn, "targetgroup/")},
                {"Name": "LoadBalancer", "Value": lb},
            ]
            for metric, value in (
                ("RequestCount", counts.requests),
                ("HTTPCode_Target_5XX_Count", counts.target_5xx),
                ("TargetConnectionErrorCount", counts.connection_errors),
            ):
                if value:
                    data.append(self._datum(metric, dimensions, start, value))
        return data

    def _elb_data(self, start: float) -> list[dict[str, Any]]:
        count = self._elb_5xx.get(start, 0)
        if not count:
            return []
        lb = dimension_value(self.load_balancer_arn, "loadbalancer/")
        return [
            self._datum(
                "HTTPCode_ELB_5XX_Count", [{"Name": "LoadBalancer", "Value": lb}], start, count
            )
        ]

    @staticmethod
    def _datum(
        metric: str, dimensions: list[dict[str, str]], start: float, value: int
    ) -> dict[str, Any]:
        return {
            "MetricName": metric,
            "Dimensions": dimensions,
            "Timestamp": datetime.fromtimestamp(start, tz=UTC),
            "Value": float(value),
            "Unit": "Count",
        }

    @staticmethod
    def _minute_of(at: float) -> float:
        return float(math.floor(at / PERIOD) * PERIOD)
