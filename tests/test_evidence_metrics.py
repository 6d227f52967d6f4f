"""The GetMetricData body of a step and its answer read back per minute (pure, exact output)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bluegreen.errors import ConfigError
from bluegreen.evidence import MinuteMetrics, TargetGroupMinute
from bluegreen.evidence.cloudwatch import minutes_from_metric_data, step_metrics_request

TG = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/app-{}/0123abcd"
LB = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/app/4567ef"
T0 = 1_794_999_960.0


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def test_the_request_asks_both_groups_and_the_albs_own_5xx_per_whole_minute() -> None:
    request = step_metrics_request(
        target_groups={"blue": TG.format("blue"), "green": TG.format("green")},
        load_balancer_arn=LB,
        start=T0 + 30,
        end=T0 + 150,
    )

    def query(query_id: str, metric: str, group: str | None) -> dict[str, object]:
        dimensions = [{"Name": "LoadBalancer", "Value": "app/app/4567ef"}]
        if group:
            dimensions.insert(
                0, {"Name": "TargetGroup", "Value": f"targetgroup/app-{group}/0123abcd"}
            )
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/ApplicationELB",
                    "MetricName": metric,
                    "Dimensions": dimensions,
                },
                "Period": 60,
                "Stat": "Sum",
            },
            "ReturnData": True,
        }

    assert request == {
        "MetricDataQueries": [
            query("blue_requests", "RequestCount", "blue"),
            query("blue_target_5xx", "HTTPCode_Target_5XX_Count", "blue"),
            query("blue_connection_errors", "TargetConnectionErrorCount", "blue"),
            query("green_requests", "RequestCount", "green"),
            query("green_target_5xx", "HTTPCode_Target_5XX_Count", "green"),
            query("green_connection_errors", "TargetConnectionErrorCount", "green"),
            query("elb_5xx", "HTTPCode_ELB_5XX_Count", None),
        ],
        "StartTime": _at(T0),
        "EndTime": _at(T0 + 180),
        "ScanBy": "TimestampAscending",
    }


def test_a_load_balancer_arn_of_the_wrong_kind_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not an ELB loadbalancer ARN"):
        step_metrics_request(target_groups={}, load_balancer_arn=TG.format("blue"), start=0, end=60)


def test_the_answer_becomes_one_entry_per_minute_missing_metrics_zero() -> None:
    results = [
        {"Id": "green_requests", "Timestamps": [_at(T0), _at(T0 + 60)], "Values": [30.0, 28.0]},
        {"Id": "green_target_5xx", "Timestamps": [_at(T0 + 60)], "Values": [7.0]},
        {"Id": "blue_requests", "Timestamps": [_at(T0)], "Values": [270.0]},
        {"Id": "elb_5xx", "Timestamps": [_at(T0 + 120)], "Values": [3.0]},
        {"Id": "blue_requests", "Timestamps": [_at(T0 + 60)], "Values": [250.0]},  # next page
    ]

    minutes = minutes_from_metric_data(results, new="green", old="blue", new_share=0.1)

    assert minutes == [
        MinuteMetrics(T0, TargetGroupMinute(30), TargetGroupMinute(270), 0, 0.1),
        MinuteMetrics(T0 + 60, TargetGroupMinute(28, 7), TargetGroupMinute(250), 0, 0.1),
        MinuteMetrics(T0 + 120, TargetGroupMinute(), TargetGroupMinute(), 3, 0.1),
    ]


def test_a_page_read_twice_is_not_counted_twice() -> None:
    page = {"Id": "green_requests", "Timestamps": [_at(T0)], "Values": [30.0]}

    [only] = minutes_from_metric_data([page, page], new="green", old=None, new_share=1.0)

    assert only == MinuteMetrics(T0, TargetGroupMinute(30), None, 0, 1.0)
