"""Exact outputs of the pure request builders (`bluegreen.aws.requests`)."""

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
from bluegreen.errors import ConfigError
from bluegreen.model import Weights

from .api_examples import BLUE_TG, CURRENT_TASK_DEFINITION, GREEN_TG, GROUPS, LB


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
