"""The GetMetricData body a step needs, and its answer read back as per-minute metrics.

One request covers both colours' target groups (RequestCount, HTTPCode_Target_5XX_Count,
TargetConnectionErrorCount, with the TargetGroup and LoadBalancer dimensions) and the load
balancer's own HTTPCode_ELB_5XX_Count (LoadBalancer dimension only), summed per 60 s period.
Datapoints keep their timestamps: each value is credited to the minute it belongs to, however
late it arrives. See `readings.attribute_elb_5xx` for how the ALB's own 5xx are shared out.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bluegreen.aws.requests import arn_resource_suffix
from bluegreen.evidence.readings import PERIOD, MinuteMetrics, TargetGroupMinute
from bluegreen.model import Color

TARGET_GROUP_METRICS = {
    "requests": "RequestCount",
    "target_5xx": "HTTPCode_Target_5XX_Count",
    "connection_errors": "TargetConnectionErrorCount",
}
ELB_5XX_ID = "elb_5xx"


def query_id(color: Color, field: str) -> str:
    """The query Id of one colour's metric (`green_requests`): lower-case first, as AWS needs."""
    return f"{color}_{field}"


def step_metrics_request(
    *,
    target_groups: Mapping[Color, str],
    load_balancer_arn: str,
    start: float,
    end: float,
    period: int = int(PERIOD),
) -> dict[str, Any]:
    """GetMetricData body for every minute overlapping [start, end): both target groups' sums
    and the load balancer's own 5xx. `start`/`end` are epoch seconds, widened to whole minutes.
    """
    balancer = arn_resource_suffix(load_balancer_arn, "loadbalancer/")

    def query(query_id: str, metric: str, dimensions: list[dict[str, str]]) -> dict[str, Any]:
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/ApplicationELB",
                    "MetricName": metric,
                    "Dimensions": dimensions,
                },
                "Period": period,
                "Stat": "Sum",
            },
            "ReturnData": True,
        }

    queries = [
        query(
            query_id(color, field),
            metric,
            [
                {"Name": "TargetGroup", "Value": arn_resource_suffix(arn, "targetgroup/")},
                {"Name": "LoadBalancer", "Value": balancer},
            ],
        )
        for color, arn in target_groups.items()
        for field, metric in TARGET_GROUP_METRICS.items()
    ]
    queries.append(
        query(ELB_5XX_ID, "HTTPCode_ELB_5XX_Count", [{"Name": "LoadBalancer", "Value": balancer}])
    )
    return {
        "MetricDataQueries": queries,
        "StartTime": datetime.fromtimestamp(math.floor(start / period) * period, tz=UTC),
        "EndTime": datetime.fromtimestamp(math.ceil(end / period) * period, tz=UTC),
        "ScanBy": "TimestampAscending",
    }


def _epoch(stamp: datetime | float) -> float:
    return stamp.timestamp() if isinstance(stamp, datetime) else float(stamp)


def minutes_from_metric_data(
    results: Sequence[Mapping[str, Any]],
    *,
    new: Color,
    old: Color | None,
    new_share: float,
) -> list[MinuteMetrics]:
    """GetMetricData's `MetricDataResults` (all pages) as one `MinuteMetrics` per minute.

    A minute with no datapoint for a metric had none of it (the ALB reports only nonzero
    values); whether a minute is complete is the caller's `publish_delay` to decide.
    `new_share` is the new colour's listener weight share (0..1) during these minutes.
    """
    values: dict[str, dict[float, float]] = defaultdict(dict)
    for result in results:
        series = values[str(result["Id"])]
        stamps = result.get("Timestamps") or []
        numbers = result.get("Values") or []
        for stamp, value in zip(stamps, numbers, strict=True):
            series[_epoch(stamp)] = float(value)  # a page read twice is not counted twice
    starts = sorted({start for series in values.values() for start in series})

    def group(color: Color, start: float) -> TargetGroupMinute:
        counts = {
            field: round(values[query_id(color, field)].get(start, 0.0))
            for field in TARGET_GROUP_METRICS
        }
        return TargetGroupMinute(**counts)

    return [
        MinuteMetrics(
            start=start,
            new=group(new, start),
            baseline=None if old is None else group(old, start),
            elb_5xx=round(values[ELB_5XX_ID].get(start, 0.0)),
            new_share=new_share,
        )
        for start in starts
    ]
