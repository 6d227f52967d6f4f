"""ECS's deployment circuit breaker rolling the new colour back, modelled by the ECS double:
the service then runs the previous revision on healthy targets, which must never read as
success (issue 13 item 7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bluegreen import operations
from bluegreen.aws.provider import AwsProvider
from bluegreen.errors import HealthCheckError
from bluegreen.model import Release
from bluegreen.progress import SilentProgress
from bluegreen.request import DeployRequest
from tests.support.aws_recorder import RequestRecorder
from tests.support.clock import FakeClock
from tests.support.ecs_agent_double import EcsAgentDouble

from .e2e_support import world

BROKEN = Release(version="3.0.0", image="registry.example/app:3.0.0")


def test_a_circuit_breaker_rollback_aborts_the_deploy_before_any_traffic_moves(
    make_provider: Callable[..., AwsProvider],
    agent: EcsAgentDouble,
    recorder: RequestRecorder,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    agent.trip_circuit_breaker(str(BROKEN.image))
    request = DeployRequest(release=BROKEN, tasks=2, health_timeout=30.0, migrate=False)
    with pytest.raises(
        HealthCheckError, match=r"ECS rolled service app-green back to .*app-green:1"
    ):
        operations.deploy(make_provider(), request, SilentProgress(), clock=clock)
    assert agent.rolled_back == {
        "app-green": "arn:aws:ecs:eu-west-1:123456789012:task-definition/app-green:1"
    }
    assert recorder.named("elbv2:ModifyListener") == []
    state = world(stack)
    assert state["live"] == "blue"
    assert state["services"]["app-green"][0] == 0
    [record] = make_provider().state.history()
    assert record.outcome == "rolled_back"
    assert "circuit breaker" in (record.reason or "")


def test_a_rollout_still_in_progress_is_not_ready_even_with_healthy_targets(
    provider: AwsProvider, agent: EcsAgentDouble
) -> None:
    provider.start("green", BROKEN, 2)
    assert provider.health("green").ready
    rollout = provider._rollouts["green"]  # the deployment id UpdateService named
    agent_view: list[dict[str, Any]] = []

    def in_progress(parsed: dict[str, Any], **_: Any) -> None:
        for service in parsed.get("services", []):
            if service["serviceName"] == "app-green":
                service["deployments"] = [
                    {"id": rollout[1], "status": "PRIMARY", "taskDefinition": rollout[0],
                     "rolloutState": "IN_PROGRESS"}
                ]  # fmt: skip
                agent_view.append(service)

    provider._ecs.meta.events.register(
        "after-call.ecs.DescribeServices", in_progress
    )  # the double rewrites this client's answers
    health = provider.health("green")
    assert agent_view
    assert health.healthy == 2
    assert not health.ready
