"""The CloudWatch double publishes per-minute ALB metrics only once they are old enough."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.aws_stack import make_session
from tests.support.clock import FakeClock
from tests.support.cloudwatch_double import AlbMetricsDouble, dimension_value

MINUTE = 1_794_999_960.0  # a whole minute, a little before FakeClock's start


def _double(stack: dict[str, Any], clock: FakeClock) -> AlbMetricsDouble:
    session = make_session()
    listener = session.client("elbv2").describe_listeners(ListenerArns=[stack["listener_arn"]])
    return AlbMetricsDouble(
        cloudwatch=session.client("cloudwatch"),
        load_balancer_arn=listener["Listeners"][0]["LoadBalancerArn"],
        target_groups={c: stack[f"{c}_target_group_arn"] for c in ("blue", "green")},
        clock=clock.time,
    )


def _series(double: AlbMetricsDouble, metric: str, color: str | None) -> dict[float, float]:
    """What GetMetricData answers for `metric` (per minute), as a test would read it."""
    lb = dimension_value(double.load_balancer_arn, "loadbalancer/")
    dimensions = [{"Name": "LoadBalancer", "Value": lb}]
    if color is not None:
        tg = dimension_value(double.target_groups[color], "targetgroup/")
        dimensions.insert(0, {"Name": "TargetGroup", "Value": tg})
    start = datetime.fromtimestamp(MINUTE, tz=UTC)
    response = double.cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "m",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/ApplicationELB",
                        "MetricName": metric,
                        "Dimensions": dimensions,
                    },
                    "Period": 60,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=start - timedelta(minutes=5),
        EndTime=start + timedelta(minutes=30),
    )
    [result] = response["MetricDataResults"]
    return {t.timestamp(): v for t, v in zip(result["Timestamps"], result["Values"], strict=True)}


def test_a_minute_appears_only_90_s_after_it_ends_stamped_with_its_start(
    stack: dict[str, Any],
) -> None:
    clock = FakeClock(now=MINUTE)
    double = _double(stack, clock)
    double.serve("green", MINUTE + 10, 20, target_5xx=5)
    double.serve("green", MINUTE + 50, 10)
    double.serve("blue", MINUTE + 30, 270)

    clock.now = MINUTE + 60 + 89
    assert double.publish() == []
    assert _series(double, "RequestCount", "green") == {}

    clock.now = MINUTE + 60 + 90
    assert double.publish() == [MINUTE]
    assert _series(double, "RequestCount", "green") == {MINUTE: 30.0}
    assert _series(double, "HTTPCode_Target_5XX_Count", "green") == {MINUTE: 5.0}
    assert _series(double, "RequestCount", "blue") == {MINUTE: 270.0}
    assert _series(double, "HTTPCode_Target_5XX_Count", "blue") == {}  # zero: not reported


def test_steady_traffic_is_split_into_minutes_and_the_albs_own_5xx_has_no_target_group(
    stack: dict[str, Any],
) -> None:
    clock = FakeClock(now=MINUTE)
    double = _double(stack, clock)
    double.serve_between("green", MINUTE + 30, MINUTE + 150, rps=1.0, error_share=0.5)
    double.elb_error(MINUTE + 70, 4)

    clock.now = MINUTE + 180 + 90
    assert double.publish() == [MINUTE, MINUTE + 60, MINUTE + 120]
    assert _series(double, "RequestCount", "green") == {
        MINUTE: 30.0,
        MINUTE + 60: 60.0,
        MINUTE + 120: 30.0,
    }
    assert _series(double, "HTTPCode_ELB_5XX_Count", None) == {MINUTE + 60: 4.0}
    assert double.publish() == []  # each minute once


def test_traffic_for_a_minute_already_published_is_refused(stack: dict[str, Any]) -> None:
    clock = FakeClock(now=MINUTE)
    double = _double(stack, clock)
    double.serve("green", MINUTE, 1)
    clock.now = MINUTE + 200
    double.publish()

    with pytest.raises(ValueError, match="already published"):
        double.serve("green", MINUTE + 5, 1)
