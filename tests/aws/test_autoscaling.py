"""Autoscaling changing desired counts around a deployment, modelled by the ECS double
(issue 13 item 6): the new colour starts at least as large as the live colour runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bluegreen import operations
from bluegreen.aws.provider import AwsProvider
from bluegreen.model import Release
from bluegreen.progress import SilentProgress
from bluegreen.request import DeployRequest
from tests.support.aws_doubles import EcsAgentDouble, RequestRecorder
from tests.support.clock import FakeClock

from .e2e_support import world

NEW = Release(version="2.0.0", image="registry.example/app:2.0.0")


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
