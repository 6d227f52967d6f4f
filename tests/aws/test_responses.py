"""Exact outputs of the pure response readers (`bluegreen.aws.responses`)."""

from __future__ import annotations

from typing import Any

import pytest

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
from bluegreen.model import Release, TrafficCounters, Weights

from .api_examples import BLUE_TG, CURRENT_TASK_DEFINITION, GREEN_TG, GROUPS


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
