"""Exact outputs of the pure request builders and response readers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bluegreen.aws.requests import (
    arn_resource_suffix,
    migration_run_task_request,
    modify_listener_request,
    put_live_color_request,
    register_task_definition_request,
    target_group_metrics_request,
)
from bluegreen.aws.responses import (
    TargetCounts,
    one_off_task_outcome,
    release_from_task_definition,
    service_problems,
    target_counts,
    traffic_from_metrics,
    weights_from_actions,
)
from bluegreen.errors import ConfigError
from bluegreen.model import Color, Release, TrafficCounters, Weights

BLUE_TG = "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/app-blue/aaa"
GREEN_TG = "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/app-green/bbb"
LB = "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/app/ccc"
GROUPS: dict[Color, str] = {"blue": BLUE_TG, "green": GREEN_TG}

CURRENT_TASK_DEFINITION: dict[str, Any] = {
    "taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/app-green:7",
    "family": "app-green",
    "revision": 7,
    "status": "ACTIVE",
    "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.task-iam-role"}],
    "compatibilities": ["EC2", "FARGATE"],
    "registeredAt": datetime(2026, 11, 1, tzinfo=UTC),
    "registeredBy": "arn:aws:iam::1:role/ci",
    "taskRoleArn": "arn:aws:iam::1:role/app-task",
    "networkMode": "awsvpc",
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [
        {
            "name": "app",
            "image": "registry.example/app:1.0.0",
            "environment": [
                {"name": "APP_VERSION", "value": "1.0.0"},
                {"name": "DEPLOYMENT_COLOR", "value": "green"},
            ],
        }
    ],
}


def test_modify_listener_lists_both_target_groups_with_weights_and_no_action_level_arn() -> None:
    assert modify_listener_request("L", Weights(blue=90, green=10), GROUPS) == {
        "ListenerArn": "L",
        "DefaultActions": [
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": BLUE_TG, "Weight": 90},
                        {"TargetGroupArn": GREEN_TG, "Weight": 10},
                    ],
                    "TargetGroupStickinessConfig": {"Enabled": False},
                },
            }
        ],
    }


def test_modify_listener_keeps_the_zero_weight_group_listed() -> None:
    body = modify_listener_request("L", Weights.all_on("green"), GROUPS)
    groups = body["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
    assert groups == [
        {"TargetGroupArn": BLUE_TG, "Weight": 0},
        {"TargetGroupArn": GREEN_TG, "Weight": 100},
    ]


def test_register_task_definition_sets_image_and_app_version_and_drops_read_only_fields() -> None:
    body = register_task_definition_request(
        CURRENT_TASK_DEFINITION,
        image="registry.example/app:2.0.0",
        version="2.0.0",
        container_name=None,
    )
    assert body == {
        "family": "app-green",
        "taskRoleArn": "arn:aws:iam::1:role/app-task",
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {
                "name": "app",
                "image": "registry.example/app:2.0.0",
                "environment": [
                    {"name": "DEPLOYMENT_COLOR", "value": "green"},
                    {"name": "APP_VERSION", "value": "2.0.0"},
                ],
            }
        ],
    }
    # The current definition is left as it was (the builder copies).
    assert (
        CURRENT_TASK_DEFINITION["containerDefinitions"][0]["image"] == "registry.example/app:1.0.0"
    )


def test_register_task_definition_drops_delete_requested_at_and_carries_the_tags() -> None:
    tags = [{"key": "team", "value": "payments"}]
    marked = dict(CURRENT_TASK_DEFINITION, deleteRequestedAt="2026-11-30T10:00:00Z", tags=tags)
    body = register_task_definition_request(marked, image="i", version="v", container_name=None)
    assert "deleteRequestedAt" not in body
    assert body["tags"] == tags
    untagged = dict(CURRENT_TASK_DEFINITION, tags=[])
    body = register_task_definition_request(untagged, image="i", version="v", container_name=None)
    assert "tags" not in body


def test_register_task_definition_needs_a_container_name_when_there_are_several() -> None:
    two = dict(CURRENT_TASK_DEFINITION, containerDefinitions=[{"name": "app"}, {"name": "proxy"}])
    with pytest.raises(ConfigError, match="container_name"):
        register_task_definition_request(two, image="i", version="v", container_name=None)
    body = register_task_definition_request(two, image="i", version="v", container_name="app")
    assert body["containerDefinitions"] == [
        {"name": "app", "image": "i", "environment": [{"name": "APP_VERSION", "value": "v"}]},
        {"name": "proxy"},
    ]


def test_migration_run_task_uses_the_service_network_and_overrides_the_command() -> None:
    network = {
        "awsvpcConfiguration": {
            "subnets": ["s1"],
            "securityGroups": ["g"],
            "assignPublicIp": "DISABLED",
        }
    }
    service = {"launchType": "FARGATE", "platformVersion": "1.4.0", "networkConfiguration": network}
    assert migration_run_task_request(
        cluster="app",
        task_definition_arn="TD:8",
        service=service,
        container_name="app",
        command=("alembic", "upgrade", "head"),
        version="2.0.0",
        client_token="0123abcd",
    ) == {
        "cluster": "app",
        "taskDefinition": "TD:8",
        "count": 1,
        "startedBy": "bluegreen-migrate",
        "group": "bluegreen-migrate:2.0.0",
        "networkConfiguration": network,
        "overrides": {
            "containerOverrides": [{"name": "app", "command": ["alembic", "upgrade", "head"]}]
        },
        "launchType": "FARGATE",
        "platformVersion": "1.4.0",
        "clientToken": "0123abcd",
    }


def test_migration_run_task_follows_a_capacity_provider_strategy_instead_of_a_launch_type() -> None:
    strategy = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
    request = migration_run_task_request(
        cluster="c",
        task_definition_arn="TD",
        service={"capacityProviderStrategy": strategy, "networkConfiguration": {}},
        container_name="app",
        command=["migrate"],
        version="v",
    )
    assert request["capacityProviderStrategy"] == strategy
    assert "launchType" not in request


def test_metric_queries_ask_for_request_and_5xx_sums_and_p99_of_one_target_group() -> None:
    start = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
    end = datetime(2026, 11, 27, 13, 10, tzinfo=UTC)
    dimensions = [
        {"Name": "TargetGroup", "Value": "targetgroup/app-blue/aaa"},
        {"Name": "LoadBalancer", "Value": "app/app/ccc"},
    ]

    def query(query_id: str, metric: str, stat: str) -> dict[str, Any]:
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/ApplicationELB",
                    "MetricName": metric,
                    "Dimensions": dimensions,
                },
                "Period": 60,
                "Stat": stat,
            },
            "ReturnData": True,
        }

    assert target_group_metrics_request(
        target_group_arn=BLUE_TG, load_balancer_arn=LB, start=start, end=end
    ) == {
        "MetricDataQueries": [
            query("requests", "RequestCount", "Sum"),
            query("errors5xx", "HTTPCode_Target_5XX_Count", "Sum"),
            query("p99", "TargetResponseTime", "p99"),
        ],
        "StartTime": start,
        "EndTime": end,
        "ScanBy": "TimestampAscending",
    }


def test_arn_suffixes_are_the_cloudwatch_dimension_values() -> None:
    assert arn_resource_suffix(BLUE_TG, "targetgroup/") == "targetgroup/app-blue/aaa"
    assert arn_resource_suffix(LB, "loadbalancer/") == "app/app/ccc"
    with pytest.raises(ConfigError):
        arn_resource_suffix("arn:aws:s3:::bucket", "targetgroup/")


def test_live_colour_is_written_with_overwrite() -> None:
    assert put_live_color_request("/app/live", "green") == {
        "Name": "/app/live",
        "Value": "green",
        "Type": "String",
        "Overwrite": True,
    }


# -- response readers ---------------------------------------------------------------------------


def _forward(*groups: tuple[str, int]) -> list[dict[str, Any]]:
    return [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": a, "Weight": w} for a, w in groups]
            },
        }
    ]


def test_weights_are_read_from_the_forward_config_and_normalised_to_percent() -> None:
    assert weights_from_actions(_forward((BLUE_TG, 90), (GREEN_TG, 10)), GROUPS) == Weights(90, 10)
    assert weights_from_actions(_forward((BLUE_TG, 1), (GREEN_TG, 3)), GROUPS) == Weights(25, 75)
    assert weights_from_actions(_forward((GREEN_TG, 5)), GROUPS) == Weights(0, 100)


def test_weights_of_a_listener_with_an_action_level_target_group_are_all_on_it() -> None:
    legacy = [{"Type": "forward", "TargetGroupArn": GREEN_TG}]
    assert weights_from_actions(legacy, GROUPS) == Weights(0, 100)


def test_a_listener_forwarding_to_an_unknown_target_group_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="neither blue nor green"):
        weights_from_actions(_forward((BLUE_TG, 50), ("arn:other", 50)), GROUPS)


def test_release_is_read_from_app_version_else_the_image_tag() -> None:
    assert release_from_task_definition(CURRENT_TASK_DEFINITION, None) == Release(
        version="1.0.0",
        image="registry.example/app:1.0.0",
        source="arn:aws:ecs:eu-west-1:1:task-definition/app-green:7",
    )
    untagged_env = dict(
        CURRENT_TASK_DEFINITION, containerDefinitions=[{"name": "app", "image": "r/app:3.1"}]
    )
    assert release_from_task_definition(untagged_env, "app").version == "3.1"


def test_target_counts_separate_healthy_draining_and_failing_targets() -> None:
    descriptions = [
        {"Target": {"Id": "10.0.0.1", "Port": 8000}, "TargetHealth": {"State": "healthy"}},
        {"Target": {"Id": "10.0.0.2", "Port": 8000}, "TargetHealth": {"State": "draining"}},
        {
            "Target": {"Id": "10.0.0.3", "Port": 8000},
            "TargetHealth": {"State": "unhealthy", "Reason": "Target.ResponseCodeMismatch"},
        },
    ]
    assert target_counts(descriptions) == TargetCounts(
        healthy=1,
        draining=1,
        unhealthy=("10.0.0.3:8000 unhealthy (Target.ResponseCodeMismatch)",),
    )


def test_service_problems_report_a_failed_rollout_and_crashed_tasks_of_the_current_revision() -> (
    None
):
    service = {
        "serviceName": "app-green",
        "deployments": [
            {
                "status": "PRIMARY",
                "taskDefinition": "TD:8",
                "rolloutState": "FAILED",
                "rolloutStateReason": "circuit breaker",
            }
        ],
    }
    stopped = [
        {
            "taskArn": "arn:task/app/abc",
            "taskDefinitionArn": "TD:8",
            "group": "service:app-green",
            "stoppedReason": "Essential container in task exited",
            "containers": [{"exitCode": 3}],
        },
        # An older revision scaled in, and a task stopped by ECS for failing ELB checks: not fatal.
        {
            "taskArn": "t/old",
            "taskDefinitionArn": "TD:7",
            "group": "service:app-green",
            "containers": [{"exitCode": 137}],
        },
        {
            "taskArn": "t/elb",
            "taskDefinitionArn": "TD:8",
            "group": "service:app-green",
            "stopCode": "ServiceSchedulerInitiated",
            "containers": [{"exitCode": 0}],
        },
    ]
    assert service_problems(service, stopped) == (
        "ECS rollout failed: circuit breaker",
        "task abc stopped: Essential container in task exited, exit code 3",
    )


def test_one_off_task_outcome_reads_status_and_exit_code() -> None:
    assert one_off_task_outcome({"lastStatus": "RUNNING"}, "app").stopped is False
    ok = {"lastStatus": "STOPPED", "containers": [{"name": "app", "exitCode": 0}]}
    assert one_off_task_outcome(ok, "app").succeeded is True
    failed = {
        "lastStatus": "STOPPED",
        "stoppedReason": "Essential container in task exited",
        "containers": [{"name": "app", "exitCode": 1}],
    }
    assert (
        one_off_task_outcome(failed, "app").detail
        == "Essential container in task exited; exit code 1"
    )
    never = {
        "lastStatus": "STOPPED",
        "stoppedReason": "CannotPullContainerError",
        "containers": [{"name": "app"}],
    }
    assert one_off_task_outcome(never, "app").detail == (
        "CannotPullContainerError; no exit code (the container never ran)"
    )


def test_traffic_sums_the_minutes_and_takes_the_latest_p99_in_milliseconds() -> None:
    results = [
        {"Id": "requests", "Values": [100.0, 40.0]},
        {"Id": "errors5xx", "Values": [1.0, 2.0]},
        {"Id": "p99", "Values": [0.2, 0.35]},
    ]
    assert traffic_from_metrics(results, at=5.0) == TrafficCounters(
        at=5.0, requests=140, errors_5xx=3, p99_ms=350.0
    )
    assert traffic_from_metrics([], at=1.0) == TrafficCounters(at=1.0, requests=0, errors_5xx=0)
