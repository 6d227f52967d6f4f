"""Autoscaling changing desired counts around a deployment, modelled by the ECS double
(issue 13 item 6): the new colour starts at least as large as the live colour runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bluegreen import operations
from bluegreen.aws.provider import AwsProvider
from bluegreen.config import Settings
from bluegreen.errors import ConfigError
from bluegreen.model import Release
from bluegreen.progress import SilentProgress
from bluegreen.request import DeployRequest
from tests.support.aws_recorder import RequestRecorder
from tests.support.aws_stack import stack_settings
from tests.support.clock import FakeClock
from tests.support.ecs_agent_double import EcsAgentDouble

from .e2e_support import world

NEW = Release(version="2.0.0", image="registry.example/app:2.0.0")


@pytest.fixture
def settings(stack: dict[str, Any]) -> Settings:
    """The stack without its optional test listener."""
    return stack_settings(stack, test_listener_arn=None)


def test_the_new_colour_starts_as_large_as_the_live_colour_has_scaled_out(
    make_provider: Callable[..., AwsProvider],
    agent: EcsAgentDouble,
    recorder: RequestRecorder,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    agent.autoscale("blue", 5)  # a busy afternoon: blue runs 5 tasks, deploy.tasks says 2
    request = DeployRequest(release=NEW, tasks=2, health_timeout=30.0, migrate=False)
    operations.deploy(make_provider(), request, SilentProgress(), clock=clock)
    started = recorder.named("ecs:UpdateService")[0]
    assert (started["service"], started["desiredCount"]) == ("app-green", 5)
    state = world(stack)
    assert state["live"] == "green"
    assert state["services"]["app-green"][0] == 5


def test_a_smoke_test_without_a_test_listener_is_refused_before_anything_starts(
    make_provider: Callable[..., AwsProvider],
    recorder: RequestRecorder,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    request = DeployRequest(release=NEW, tasks=2, smoke="curl -fsS $BLUEGREEN_TARGET_URL/ready")
    provider = make_provider()
    with pytest.raises(ConfigError, match="smoke test cannot reach the new colour alone") as raised:
        operations.deploy(provider, request, SilentProgress(), clock=clock)
    assert raised.value.exit_code == 2
    assert "nothing was changed" in (raised.value.hint or "")
    mutating = {"ecs:RunTask", "ecs:UpdateService", "ecs:RegisterTaskDefinition",
                "elasticloadbalancing:ModifyListener", "dynamodb:PutItem"}  # fmt: skip
    assert not mutating & set(recorder.names())
    assert world(stack)["live"] == "blue"
    assert provider.state.lock_holder() is None
